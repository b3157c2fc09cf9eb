package dev.palisade.supervisor.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.node.FatalHandler;
import dev.palisade.supervisor.node.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** events.log and fences.log in the state directory: kept across restarts, bounded, rotated, damage skipped. */
class HistoryTest {
    private static final FatalHandler DIE = (where, e) -> {
        throw new AssertionError(where, e);
    };

    private static FenceCoordinator.Outcome fenced(long millis) {
        return new FenceCoordinator.Outcome("pf2", true, false, 1, millis, List.of(
                new FenceCoordinator.Step(1, "ipmi-pf2", "off", true, millis - 10, ""),
                new FenceCoordinator.Step(1, "ipmi-pf2", "status: off", true, 10, "")));
    }

    @Test
    void transitionsAndFencesSurviveARestartAndTheirNumbersGoOn(@TempDir Path dir) throws Exception {
        try (History h = History.open(dir, 1, DIE)) {
            h.transition(new NodeStatus.Transition(1000, State.STARTING, State.STANDBY, "joined"));
            h.transition(new NodeStatus.Transition(2000, State.STANDBY, State.ACTIVE, "peer dead after 1s"));
            h.fenced(fenced(3100), 1500);
        }
        try (History h = History.open(dir, 2, DIE)) {
            List<HistoryRecord.Transition> e = h.lastEvents(10);
            assertEquals(2, e.size());
            assertEquals(new HistoryRecord.Transition(2, 2000, 1, State.STANDBY, State.ACTIVE, "peer dead after 1s"),
                    e.get(1));
            HistoryRecord.Fence f = h.lastFences(10).get(0);
            assertEquals(HistoryRecord.Result.FENCED, f.result());
            assertEquals(List.of("ipmi-pf2"), f.devices());
            assertEquals(3100, f.millis());
            h.transition(new NodeStatus.Transition(5000, State.ACTIVE, State.RELEASING, "operator: standby"));
            HistoryRecord.Transition next = h.lastEvents(1).get(0);
            assertEquals(4, next.seq(), "numbering goes on after the newest record on disk");
            assertEquals(2, next.incarnation());
            assertEquals(List.of(next), h.eventsSince(3));
        }
    }

    @Test
    void theFilesStayBoundedAndTheNewestRecordsAreReadBack(@TempDir Path dir) throws Exception {
        long max = 4096;
        try (History h = History.open(dir, 1, max, DIE)) {
            for (int i = 0; i < 200; i++) {
                h.transition(new NodeStatus.Transition(i, State.STANDBY, State.ACTIVE, "x".repeat(60) + " turn " + i));
            }
        }
        long onDisk = Files.size(dir.resolve("events.log")) + Files.size(dir.resolve("events.log.1"));
        assertTrue(Files.size(dir.resolve("events.log")) <= max && onDisk <= 2 * max, "on disk: " + onDisk);
        try (History h = History.open(dir, 2, max, DIE)) {
            List<HistoryRecord.Transition> e = h.lastEvents(History.KEEP);
            assertTrue(e.size() > 10, "both files read back: " + e.size());
            assertTrue(e.get(e.size() - 1).reason().endsWith(" turn 199"), e.get(e.size() - 1).reason());
            for (int i = 1; i < e.size(); i++) {
                assertEquals(e.get(i - 1).seq() + 1, e.get(i).seq(), "no gap among what was kept");
            }
        }
    }

    @Test
    void aLineCutShortByACrashIsSkippedAndTheNextRecordStartsOnALineOfItsOwn(@TempDir Path dir) throws Exception {
        try (History h = History.open(dir, 1, DIE)) {
            h.transition(new NodeStatus.Transition(1000, State.STARTING, State.STANDBY, "joined"));
        }
        Files.writeString(dir.resolve("events.log"), "T1\t2\t2000\t1\tSTANDBY\tAC", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.write(dir.resolve("events.log"), new byte[] {'\n', (byte) 0xff, 0, 0x1b, '\n'}, StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("events.log"), "T1\t3\t2000\t1\tSTANDBY\tAC", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (History h = History.open(dir, 2, DIE)) {
            assertEquals(1, h.lastEvents(10).size(), "the damaged lines were skipped");
            h.transition(new NodeStatus.Transition(3000, State.STANDBY, State.ACTIVE, "peer dead"));
        }
        try (History h = History.open(dir, 3, DIE)) {
            List<HistoryRecord.Transition> e = h.lastEvents(10);
            assertEquals(2, e.size(), "the record after the cut line was not glued to it");
            assertEquals("peer dead", e.get(1).reason());
        }
    }
}
