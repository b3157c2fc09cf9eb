package dev.palisade.supervisor.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupRunTest {
    /** Runs the stepper, failing the step whose description is {@code failAt}; returns what it did. */
    private static List<String> drive(GroupRun run, String... failAt) {
        List<String> did = new ArrayList<>();
        GroupRun.Step s;
        while ((s = run.next()) != null) {
            String d = (s.start() ? "start " : "stop ") + s.index();
            did.add(d);
            run.done(!List.of(failAt).contains(d));
        }
        return did;
    }

    @Test
    void startLeftToRightStopRightToLeft() {
        GroupRun start = GroupRun.start(3);
        assertEquals(List.of("start 0", "start 1", "start 2"), drive(start));
        assertTrue(start.succeeded());
        GroupRun stop = GroupRun.stop(3);
        assertEquals(List.of("stop 2", "stop 1", "stop 0"), drive(stop));
        assertTrue(stop.succeeded());
    }

    @Test
    void aFailedStartRollsBackWhatStartedAndIsNotASuccess() {
        GroupRun run = GroupRun.start(3);
        assertEquals(List.of("start 0", "start 1", "stop 1", "stop 0"), drive(run, "start 1"));
        assertFalse(run.succeeded());
        assertTrue(run.rolledBackCleanly());
    }

    @Test
    void aFailedStopEndsTheRunAsFailedAndLeavesTheRestRunning() {
        GroupRun run = GroupRun.stop(3);
        assertEquals(List.of("stop 2", "stop 1"), drive(run, "stop 1"));
        assertTrue(run.finished());
        assertFalse(run.succeeded());
        GroupRun start = GroupRun.start(3);
        assertEquals(List.of("start 0", "start 1", "stop 1"), drive(start, "start 1", "stop 1"),
                "a rollback stop that fails ends the run");
        assertFalse(start.rolledBackCleanly());
    }

    @Test
    void misuseIsRefused() {
        GroupRun run = GroupRun.start(2);
        run.next();
        assertThrows(IllegalStateException.class, run::next);
        assertThrows(IllegalStateException.class, () -> GroupRun.stop(1).done(true));
        assertNull(GroupRun.start(0).next());
    }
}
