package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.resources.DrbdResource;
import dev.palisade.supervisor.resources.FakeDrbd;
import dev.palisade.supervisor.resources.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unknown is never "stopped": a resource whose state cannot be read when the supervisor starts may be running,
 * so the group is stopped before the node joins; when even that cannot be verified, the node does not join (the
 * peer, hearing nothing, fences it). The node loop on its production thread and lanes, DRBD through FakeDrbd.
 */
class NodeStartupTest {
    private static final PeerLink SILENT = new PeerLink() {
        @Override
        public void announce(HeartbeatFrame.Status status) {
        }

        @Override
        public PeerTracker.PeerState peerState() {
            return PeerTracker.PeerState.WAITING;
        }

        @Override
        public List<PeerTracker.LinkView> links() {
            return List.of();
        }

        @Override
        public long peerIncarnation() {
            return -1;
        }
    };

    private static String startupCheck(DrbdResource drbd) throws Exception {
        FatalHandler fatal = (where, e) -> {
            throw new AssertionError(where + " died", e);
        };
        try (LoopThread loop = new LoopThread("test-loop", fatal);
             ThreadLane fence = new ThreadLane("test-fence", loop, fatal);
             ThreadLane resources = new ThreadLane("test-resources", loop, fatal)) {
            loop.start();
            NodeLoop node = new NodeLoop(new NodeSettings("pf1", "pf2", "pf1", false,
                    FailoverMachine.FailurePolicy.DEFAULT, Duration.ofSeconds(2), Duration.ofSeconds(1),
                    Duration.ofSeconds(2), Duration.ofSeconds(60)), loop, fence, resources, List.<Resource>of(drbd), null, "no fencing", 1, SILENT,
                    List::of);
            CompletableFuture<String> done = new CompletableFuture<>();
            loop.post(() -> node.startupCheck(done::complete));
            return done.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aResourceThatCannotBeReadAndWillNotStopKeepsTheNodeFromJoining(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        fake.state("Primary", "UpToDate", "Connecting", "DUnknown"); // left Primary by a supervisor that died
        fake.broken(1000); // and drbdsetup cannot tell now
        String refused = startupCheck(new DrbdResource("r0", new DrbdResource.Tools(fake.drbdadm.toString(),
                fake.drbdsetup.toString(), Duration.ofSeconds(10))));
        assertTrue(refused != null && refused.contains("drbd r0 (UNKNOWN)") && refused.contains("not joining"),
                String.valueOf(refused));
    }

    @Test
    void aResourceThatCouldNotBeReadIsStoppedVerifiedBeforeTheNodeJoins(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        fake.state("Primary", "UpToDate", "Connecting", "DUnknown");
        fake.broken(1); // the first look cannot tell; it may be running
        assertNull(startupCheck(new DrbdResource("r0", new DrbdResource.Tools(fake.drbdadm.toString(),
                fake.drbdsetup.toString(), Duration.ofSeconds(10)))));
        assertEquals("secondary r0\n", fake.calls(), "demoted before joining");
    }
}
