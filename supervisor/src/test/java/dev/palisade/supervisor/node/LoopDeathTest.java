package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node loop that dies (an Error: OutOfMemoryError, StackOverflowError) must not leave a half-alive node whose
 * heartbeats go on announcing ACTIVE: the fatal handler runs at once and the heartbeats stop, so the peer fences
 * this node (production then halts the process, exit 70, and systemd restarts it).
 */
class LoopDeathTest {
    @Test
    void aTaskThatThrowsAnErrorIsFatalAndNothingRunsAfterIt() throws Exception {
        CompletableFuture<Throwable> died = new CompletableFuture<>();
        try (LoopThread loop = new LoopThread("test-loop", (where, e) -> died.complete(e))) {
            loop.start();
            loop.post(() -> {
                throw new OutOfMemoryError("Java heap space");
            });
            assertInstanceOf(OutOfMemoryError.class, died.get(5, TimeUnit.SECONDS));
            CompletableFuture<Boolean> ranAfter = new CompletableFuture<>();
            loop.post(() -> ranAfter.complete(true));
            Thread.sleep(300);
            assertTrue(!ranAfter.isDone(), "a dead loop runs nothing more");
        }
    }

    @Test
    void aSupervisorWhoseLoopDiesStopsItsHeartbeatsAtOnce(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "cluster.key");
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            peer.setSoTimeout(100);
            Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                    supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "60s";
                                 control_socket = "%s"; state_dir = "%s"; }
                    auth { key_file = "%s"; }
                    links { udp { peer = "127.0.0.2"; bind = "127.0.0.1"; port = "%d"; } }
                    """.formatted(dir.resolve("control.sock"), dir.resolve("state"), key, peer.getLocalPort()));
            CompletableFuture<Throwable> died = new CompletableFuture<>();
            SupervisorNode node = new SupervisorNode(SupervisorConfig.load(conf), FenceKey.load(key),
                    (where, e) -> died.complete(e));
            try {
                node.start();
                byte[] buf = new byte[512];
                peer.receive(new DatagramPacket(buf, buf.length)); // it announces itself
                node.postToLoop(() -> {
                    throw new StackOverflowError();
                });
                assertInstanceOf(StackOverflowError.class, died.get(TestTime.millis(5000), TimeUnit.MILLISECONDS));
                long quietFrom = System.nanoTime();
                int after = 0;
                while (System.nanoTime() - quietFrom < 500_000_000L) {
                    try {
                        peer.receive(new DatagramPacket(buf, buf.length));
                        after++;
                    } catch (SocketTimeoutException silent) {
                        // nothing: as it must be
                    }
                }
                assertEquals(0, after > 1 ? after : 0, "frames after the loop died (one may have been in flight)");
            } finally {
                node.close();
            }
        }
    }
}
