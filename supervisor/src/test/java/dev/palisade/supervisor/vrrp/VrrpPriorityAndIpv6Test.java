package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.supervisor.config.VrrpConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two of our instances in two namespaces: IPv6 (VRRPv3 over ff02::12, kernel-checked checksums, hop limit
 * 255), adverts sent to a unicast peer instead of the group, and the supervisor's priority controls:
 * release hands the address over at once, raising the priority takes it back.
 */
class VrrpPriorityAndIpv6Test {
    private static VrrpConfig.Instance instance(String vip, int prefix, int priority, List<InetAddress> peers)
            throws Exception {
        return new VrrpConfig.Instance("VI_6", "eth0", 61, 3, priority, 10,
                List.of(new VrrpConfig.Vip(InetAddress.getByName(vip), prefix)), true, Duration.ZERO, 2,
                Duration.ofMillis(20), false, peers, null, null, null);
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static boolean has(String ns, String family, String addr) {
        try {
            return VrrpLan.hasAddress(ns, family, addr);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void ipv6AddressMovesWithReleaseAndPriority(@TempDir Path dir) throws Exception {
        try (VrrpLan lan = VrrpLan.create(dir)) {
            for (String ns : List.of(lan.n1, lan.n2)) { // link-local addresses need a moment (DAD) on fresh links
                await(() -> !tentative(ns), "IPv6 link-local address ready in " + ns);
            }
            String vip = "2001:db8::100";
            List<String> log = new ArrayList<>();
            VrrpInstance a = VrrpLan.inside(lan.n1, () -> VrrpInstance.start(instance(vip, 64, 150, List.of()), log::add));
            VrrpInstance b = VrrpLan.inside(lan.n2, () -> VrrpInstance.start(instance(vip, 64, 100, List.of()), log::add));
            try {
                await(() -> a.state() == VrrpMachine.State.MASTER && b.state() == VrrpMachine.State.BACKUP
                        && has(lan.n1, "-6", vip), "the 150 node is master over IPv6");
                await(() -> b.received() > 3, "the backup hears the master's IPv6 adverts");
                assertFalse(has(lan.n2, "-6", vip));

                dev.palisade.drivers.net.IpRawSocket icmp = VrrpLan.inside(lan.obs, () ->
                        dev.palisade.drivers.net.IpRawSocket.open("eth0", true, 58, null, InetAddress.getByName("ff02::1")));
                long t0 = System.nanoTime();
                a.release();
                await(() -> b.state() == VrrpMachine.State.MASTER && has(lan.n2, "-6", vip), "released to the peer");
                try (icmp) {
                    // RFC 4861 §7.2.6: unsolicited NA to all-nodes, hop limit 255, router and override set, target = VIP
                    boolean seen = false;
                    long until = System.nanoTime() + 2_000_000_000L;
                    while (!seen && System.nanoTime() < until) {
                        dev.palisade.drivers.net.IpRawSocket.Datagram d = icmp.receive(200);
                        seen = d != null && d.payload().length >= 24 && (d.payload()[0] & 0xff) == 136
                                && (d.payload()[4] & 0xe0) == 0xa0 && d.ttl() == 255
                                && InetAddress.getByAddress(java.util.Arrays.copyOfRange(d.payload(), 8, 24))
                                .equals(InetAddress.getByName(vip));
                    }
                    assertTrue(seen, "the observer saw the new master's unsolicited neighbor advertisement");
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 361, "release is a handover at skew time, not a master-down wait: " + ms + " ms");
                Thread.sleep(500);
                assertEquals(VrrpMachine.State.BACKUP, a.state(), "a released node does not take it back");
                assertFalse(has(lan.n1, "-6", vip));

                a.priority(200);
                await(() -> a.state() == VrrpMachine.State.MASTER && b.state() == VrrpMachine.State.BACKUP,
                        "raised priority preempts");
                await(() -> has(lan.n1, "-6", vip) && !has(lan.n2, "-6", vip), "the address followed");
                assertTrue(log.stream().anyMatch(l -> l.contains("released by the supervisor")), log.toString());
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void unicastPeersInsteadOfMulticast(@TempDir Path dir) throws Exception {
        try (VrrpLan lan = VrrpLan.create(dir)) {
            List<String> log = new ArrayList<>();
            VrrpInstance a = VrrpLan.inside(lan.n1, () -> VrrpInstance.start(instance(VrrpLan.VIP, 24, 150,
                    List.of(InetAddress.getByName("10.99.0.2"))), log::add));
            VrrpInstance b = VrrpLan.inside(lan.n2, () -> VrrpInstance.start(instance(VrrpLan.VIP, 24, 100,
                    List.of(InetAddress.getByName("10.99.0.1"))), log::add));
            try {
                await(() -> a.state() == VrrpMachine.State.MASTER && b.received() > 3, "unicast adverts heard");
                assertEquals(VrrpMachine.State.BACKUP, b.state());
                a.close();
                await(() -> b.state() == VrrpMachine.State.MASTER && has(lan.n2, "-4", VrrpLan.VIP),
                        "the peer took over after our priority 0");
            } finally {
                b.close();
            }
        }
    }

    /** Whether the namespace still has a tentative (duplicate address detection in progress) IPv6 address. */
    private static boolean tentative(String ns) {
        try {
            return Commands.run(5000, "ip", "-n", ns, "-6", "-o", "addr", "show", "dev", "eth0").stdout()
                    .contains("tentative");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
