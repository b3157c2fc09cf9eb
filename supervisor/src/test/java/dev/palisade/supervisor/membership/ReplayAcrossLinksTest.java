package dev.palisade.supervisor.membership;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames recorded on one heartbeat link and replayed onto another that lagged behind never keep a dead peer
 * alive: freshness is one window per peer incarnation across every link.
 */
class ReplayAcrossLinksTest {
    @Test
    void framesRecordedOnOneLinkAndReplayedOnALaggingLinkDoNotExtendADeadPeersLife(@TempDir Path dir)
            throws Exception {
        Path key = Fixtures.key(dir, "cluster.key");
        int p1 = Fixtures.freePort();
        int p2 = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "10s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links {
                  udp { peer = "127.0.0.2"; bind = "127.0.0.1"; port = "%d"; }
                  udp { peer = "127.0.0.2"; bind = "127.0.0.1"; port = "%d"; }
                }
                """.formatted(dir.resolve("state"), key, p1, p2));
        AtomicLong deadAt = new AtomicLong();
        HeartbeatFrame.Key k = new HeartbeatFrame.Key(FenceKey.load(key).bytes());
        try (Membership m = new Membership(SupervisorConfig.load(conf), FenceKey.load(key), e -> {
            if (e.kind() == PeerTracker.Event.Kind.PEER_DEAD) {
                deadAt.compareAndSet(0, System.nanoTime());
            }
        }); DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            m.start();
            InetAddress me = InetAddress.getByName("127.0.0.1");
            long inc = 42;
            List<byte[]> recorded = new ArrayList<>();
            for (int seq = 1; seq <= 30; seq++) {
                byte[] f = new HeartbeatFrame(HeartbeatFrame.Status.UNKNOWN, "pf2", inc, seq, System.currentTimeMillis(),
                        100, 500).encode(k);
                peer.send(new DatagramPacket(f, f.length, me, p1));
                if (seq <= 10) {
                    peer.send(new DatagramPacket(f, f.length, me, p2)); // then link 2 lags behind (cut)
                } else {
                    recorded.add(f); // what an attacker on link 1 records
                }
                Thread.sleep(50);
            }
            long lastGenuine = System.nanoTime(); // the peer dies here
            for (byte[] f : recorded) { // replayed onto link 2, whose last frame was seq 10
                peer.send(new DatagramPacket(f, f.length, me, p2));
                Thread.sleep(50);
            }
            long limit = TestTime.millis(500 + 400) * 1_000_000L;
            long deadline = lastGenuine + limit + 2_000_000_000L;
            while (deadAt.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(deadAt.get() != 0, "the peer was never declared dead");
            long after = (deadAt.get() - lastGenuine) / 1_000_000;
            assertTrue(deadAt.get() - lastGenuine <= limit, "declared dead " + after
                    + " ms after its last frame (deadtime 500 ms): the replays kept it alive");
        }
    }
}
