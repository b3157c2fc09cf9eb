package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.supervisor.config.VrrpConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instance's interface is removed under it (a hot-unplugged NIC, a veth deleted by a container tool): the
 * instance stops being Master, says so, keeps watching for the interface and resumes when it is back; it never
 * dies silently, and closing it is prompt.
 */
class VrrpInterfaceLossTest {
    @Test
    void anInterfaceRemovedUnderTheInstanceIsSurvivedAndItsReturnResumesIt(@TempDir Path dir) throws Exception {
        try (VrrpLan lan = VrrpLan.create(dir)) {
            VrrpConfig.Instance cfg = new VrrpConfig.Instance("VI_1", "eth0", 51, 3, 100, 10,
                    List.of(new VrrpConfig.Vip(InetAddress.getByName(VrrpLan.VIP), 24)), true, Duration.ZERO, 1,
                    Duration.ofMillis(20), false, List.of(), InetAddress.getByName("10.99.0.1"), null, null);
            List<String> transitions = new CopyOnWriteArrayList<>();
            VrrpInstance ours = VrrpLan.inside(lan.n1, () -> VrrpInstance.start(cfg, transitions::add));
            try {
                await(() -> ours.state() == VrrpMachine.State.MASTER, "Master at first");
                VrrpLan.ip("-n", lan.n1, "link", "del", "eth0");
                await(() -> ours.state() != VrrpMachine.State.MASTER, "not Master without its interface");
                Thread.sleep(1500);
                VrrpLan.ip("link", "add", "eth0", "netns", lan.n1, "type", "veth", "peer", "name", "p9", "netns",
                        "pvb" + ProcessHandle.current().pid());
                VrrpLan.ip("-n", "pvb" + ProcessHandle.current().pid(), "link", "set", "p9", "master", "br0");
                VrrpLan.ip("-n", "pvb" + ProcessHandle.current().pid(), "link", "set", "p9", "up");
                VrrpLan.ip("-n", lan.n1, "addr", "add", "10.99.0.1/24", "dev", "eth0");
                VrrpLan.ip("-n", lan.n1, "link", "set", "eth0", "up");
                await(() -> ours.state() == VrrpMachine.State.MASTER, "Master again once the interface is back: "
                        + transitions);
                assertTrue(VrrpLan.hasAddress(lan.n1, "-4", VrrpLan.VIP));
            } finally {
                long t0 = System.nanoTime();
                ours.close();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 1000, "close took " + ms + " ms");
            }
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + TestTime.millis(5000) * 1_000_000L;
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
