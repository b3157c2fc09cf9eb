package dev.palisade.supervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.supervisor.cluster.galera.GaleraResource;
import dev.palisade.supervisor.node.FatalHandler;
import dev.palisade.supervisor.node.LoopThread;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node reads the other members' fence devices between fences, through the production fence lane of
 * {@link ClusterEffects} and the pair's {@link dev.palisade.supervisor.node.FenceDeviceMonitor}, against a real BMC
 * (ipmi_sim): ok with the power while it answers; FAILED when it reads the member OFF while the member is in the
 * group, and when the BMC is gone; a member without fencing is said so. (That no read runs during a fence is
 * FenceDeviceMonitorTest's, with the fence-running question this node answers from its machine's fence queue.)
 */
class ClusterFenceReadsTest {
    private final FatalHandler fatal = (where, e) -> {
        throw new AssertionError(where + " died", e);
    };
    private LoopThread loop;
    private IpmiSim bmc;
    private volatile Set<Integer> group = Set.of(1, 2, 3);
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        bmc = IpmiSim.start();
        loop = new LoopThread("test-loop", fatal);
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        loop.close();
        if (bmc != null) {
            bmc.close();
        }
    }

    private ClusterConfig config() throws Exception {
        Path pw = dir.resolve("n2.ipmi");
        Files.writeString(pw, IpmiSim.PASSWORD + "\n");
        Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        // the cluster of ClusterConfigTest, without its VIP, with fencing for n2 only: the BMC under test
        String text = ClusterConfigTest.GOOD.replace(ClusterConfigTest.FENCING, "")
                .replace("  resource = \"vip::vi_db\";\n", "") + """
                fencing {
                  monitor_interval = "5s";
                  node { name = "n2"; level { device { type = "ipmi"; host = "%s"; port = "%d"; user = "%s"; password_file = "%s"; timeout = "1s"; retries = "1"; } } }
                }
                """.formatted(bmc.address(), bmc.port(), IpmiSim.USER, pw);
        return ClusterConfig.from(Path.of("c.conf"), ConfigParser.parse("c.conf", text));
    }

    private <T> T onLoop(Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.post(() -> f.complete(what.get()));
        return f.get(TestTime.millis(10_000), TimeUnit.MILLISECONDS);
    }

    private String await(ClusterFenceReads r, Predicate<String> p) throws Exception {
        long end = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(30)).toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < end) {
            last = onLoop(r::describe);
            for (String l : last) {
                if (p.test(l)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such line within 30 s; last: " + last);
    }

    @Test
    void theOtherMembersDevicesAreReadBetweenFencesAndAFailureShows() throws Exception {
        ClusterConfig c = config();
        ClusterEffects effects = new ClusterEffects(c, new GaleraResource(c.galera()), List.of(), loop, () -> null,
                () -> null, () -> group);
        ClusterFenceReads reads = new ClusterFenceReads(c, loop, effects.fenceLane(), () -> false,
                id -> group.contains(id));
        onLoop(() -> {
            reads.start();
            return null;
        });
        String ok = await(reads, l -> l.startsWith("fencing n2: level 1 ") && l.contains(": ok, power ON"));
        assertTrue(ok.contains("ms)"), ok);
        assertTrue(onLoop(reads::describe).contains("fencing n3: no fencing configured: it cannot be fenced"));
        // the member is in the group, yet its BMC says off: that device reaches some other machine
        bmc.power("off");
        onLoop(() -> {
            reads.start(); // already started: does nothing; the next round comes on its interval
            return null;
        });
        await(reads, l -> l.contains("FAILED: reads n2's power OFF while n2 is heard"));
        // the BMC is gone
        bmc.close();
        bmc = null;
        await(reads, l -> l.startsWith("fencing n2: level 1 ") && l.contains("FAILED") && !l.contains("power OFF"));
        effects.close();
    }
}
