package dev.palisade.supervisor.membership;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.cli.PalisadeProcess;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that reboots with its clock behind (no RTC battery, NTP not synced yet: normal on appliances) is heard
 * again: its new life is recognised whatever its wall clock says. pf1 runs here; pf2 is a real
 * {@code palisade membership} process, killed, then started again under libfaketime two minutes behind.
 */
class PeerRebootTest {
    @Test
    void aPeerRebootedWithItsClockTwoMinutesBehindIsHeardAgain(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "cluster.key");
        int port = Fixtures.freePort();
        String common = """
                supervisor { node = "%s"; peer = "%s"; keepalive = "100ms"; deadtime = "500ms"; initdead = "10s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links { udp { peer = "%s"; bind = "%s"; port = "%d"; } }
                """;
        Path pf1 = Fixtures.write(dir.resolve("pf1.conf"), common.formatted("pf1", "pf2", dir.resolve("state1"), key,
                "127.0.0.2", "127.0.0.1", port));
        Path pf2 = Fixtures.write(dir.resolve("pf2.conf"), common.formatted("pf2", "pf1", dir.resolve("state2"), key,
                "127.0.0.1", "127.0.0.2", port));
        List<PeerTracker.Event.Kind> events = new CopyOnWriteArrayList<>();
        List<Long> incarnations = new CopyOnWriteArrayList<>();
        try (Membership m = new Membership(SupervisorConfig.load(pf1), FenceKey.load(key), new Membership.Listener() {
            @Override
            public void event(PeerTracker.Event e) {
                events.add(e.kind());
            }

            @Override
            public void frame(HeartbeatFrame f) {
                if (incarnations.isEmpty() || incarnations.get(incarnations.size() - 1) != f.incarnation()) {
                    incarnations.add(f.incarnation());
                }
            }
        })) {
            m.start();
            try (DaemonProcess first = DaemonProcess.start(PalisadeProcess.command("membership", "-f", pf2.toString()),
                    dir.resolve("pf2-first.log"))) {
                await(() -> events.contains(PeerTracker.Event.Kind.PEER_ALIVE), 10_000, () -> "pf2 heard", first);
            }
            await(() -> events.contains(PeerTracker.Event.Kind.PEER_DEAD), 5_000, () -> "pf2 declared dead", null);
            List<String> behind = new ArrayList<>(List.of("env",
                    "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "FAKETIME=-120s",
                    "FAKETIME_DONT_FAKE_MONOTONIC=1"));
            behind.addAll(PalisadeProcess.command("membership", "-f", pf2.toString()));
            try (DaemonProcess second = DaemonProcess.start(behind, dir.resolve("pf2-second.log"))) {
                await(() -> events.contains(PeerTracker.Event.Kind.PEER_BACK), 10_000,
                        () -> "pf2, rebooted two minutes behind, heard again (incarnations " + incarnations + ", "
                                + m.counters().oldIncarnation.get() + " frames refused as an older incarnation)",
                        second);
                assertTrue(incarnations.size() >= 2, incarnations.toString());
            }
        }
    }

    private interface Condition {
        boolean holds();
    }

    private static void await(Condition c, long ms, java.util.function.Supplier<String> what, DaemonProcess p)
            throws Exception {
        long deadline = System.nanoTime() + TestTime.millis(ms) * 1_000_000;
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what.get() + (p == null ? "" : "\n" + p.log()));
            }
            Thread.sleep(20);
        }
    }
}
