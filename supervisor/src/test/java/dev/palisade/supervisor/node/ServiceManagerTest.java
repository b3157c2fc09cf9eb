package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.platform.ServiceNotifier;
import dev.palisade.drivers.testing.NotifySocketListener;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What systemd hears from a supervisor (a test NOTIFY_SOCKET playing its part): READY=1 only once the first state
 * is decided, STATUS= with the one-line state, WATCHDOG=1 from the node loop itself at the pace WatchdogSec asks,
 * and no more keepalives once the loop hangs, so systemd restarts the service (the peer fences the node).
 */
class ServiceManagerTest {
    @Test
    void readyOnceDecidedStatusLineAndKeepalivesThatStopWhenTheLoopHangs(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "cluster.key");
        Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "1s";
                             control_socket = "%s"; state_dir = "%s"; }
                auth { key_file = "%s"; }
                links { udp { peer = "127.0.0.2"; bind = "127.0.0.1"; port = "%d"; } }
                """.formatted(dir.resolve("control.sock"), dir.resolve("state"), key, Fixtures.freePort()));
        long watchdogUsec = 800_000; // WatchdogSec=0.8s: keepalives at least every 200 ms
        try (NotifySocketListener systemd = NotifySocketListener.bind(dir.resolve("notify"))) {
            ServiceNotifier notifier = ServiceNotifier.create(systemd.address(), String.valueOf(watchdogUsec), null,
                    ProcessHandle.current().pid(), System::nanoTime);
            SupervisorNode node = new SupervisorNode(SupervisorConfig.load(conf), FenceKey.load(key),
                    (where, e) -> { }, notifier, null);
            CountDownLatch hang = new CountDownLatch(1);
            try {
                long started = System.nanoTime();
                node.start();
                var ready = systemd.await(m -> m.has("READY"), TestTime.scaled(Duration.ofSeconds(10)));
                assertTrue(ready.isPresent(), systemd.messages().toString());
                assertTrue(ready.get().nanos() - started >= 900_000_000L,
                        "READY only once initdead decided (the peer never answers here)");
                var extend = systemd.with("EXTEND_TIMEOUT_USEC");
                assertTrue(!extend.isEmpty() && extend.get(0).nanos() < ready.get().nanos(),
                        "more time asked while initdead runs (an initdead of minutes must not outlast TimeoutStartSec): "
                                + systemd.messages());
                // no fencing is configured: the node stays in FENCING, retrying, and says so
                assertTrue(ready.get().get("STATUS").matches("(FENCING|STANDBY), peer not heard, 0/1 links"),
                        ready.get().toString());
                Thread.sleep(1000);
                var pings = systemd.with("WATCHDOG");
                assertTrue(pings.size() >= 4, pings.size() + " keepalives in 1 s");
                for (int i = 1; i < pings.size(); i++) {
                    long gap = pings.get(i).nanos() - pings.get(i - 1).nanos();
                    assertTrue(gap <= TestTime.millis(400) * 1_000_000L, "a keepalive gap of " + gap / 1_000_000 + " ms");
                }
                assertTrue(pings.stream().allMatch(m -> m.pid() == ProcessHandle.current().pid()));
                node.postToLoop(() -> {
                    try {
                        hang.await(); // the loop hangs (a deadlock, a call without a deadline)
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Thread.sleep(300);
                int before = systemd.with("WATCHDOG").size();
                Thread.sleep(1500);
                assertEquals(before, systemd.with("WATCHDOG").size(), "keepalives after the loop hung");
            } finally {
                hang.countDown();
                node.close();
            }
        }
    }
}
