package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.net.ArpProbe;
import dev.palisade.drivers.testing.TestTime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ours and keepalived 2.2.7 in one VRID on one bridge, both directions, VRRPv2 at 1 s and VRRPv3 at 0.1 s:
 * the survivor of a dead master takes the address, a graceful stop hands it over at once (priority 0),
 * and after every transition the observer sees exactly one node answering ARP, and the new owner's
 * gratuitous ARP.
 */
class VrrpKeepalivedInteropTest {

    private static long mdiMillis(int version, double advertSeconds, int priority) {
        double skew = version == 2 ? (256 - priority) / 256.0 : (256 - priority) * advertSeconds / 256;
        return (long) ((3 * advertSeconds + skew) * 1000);
    }

    /** Waits until {@code mac} answers and stays the only one answering; returns when it first answered. */
    private static long owner(ArpProbe probe, String mac, long since, long timeoutMs, String what) throws Exception {
        long at = probe.awaitAnswer(mac, since, TestTime.millis(timeoutMs));
        assertTrue(at > 0, what + ": " + mac + " never answered ARP for the VIP");
        Thread.sleep(300);
        assertEquals(List.of(mac), probe.answering(250), what + ": exactly one node answers ARP for the VIP");
        return at;
    }

    private static void sawGratuitousArp(ArpProbe probe, String mac, long since, String what) {
        assertTrue(probe.since(since).stream().anyMatch(s -> s.gratuitous() && s.mac().equalsIgnoreCase(mac)),
                what + ": the observer saw the new owner's gratuitous ARP");
    }

    @ParameterizedTest(name = "VRRPv{0} advert {1} s")
    @CsvSource({"2, 1", "3, 0.1"})
    void keepalivedMasterOursBackup(int version, String advert, @TempDir Path dir) throws Exception {
        double adv = Double.parseDouble(advert);
        try (VrrpLan lan = VrrpLan.create(dir); ArpProbe probe = lan.observe()) {
            String kaMac = lan.mac(lan.n1);
            String ourMac = lan.mac(lan.n2);
            VrrpLan.Daemon ka = lan.keepalived(lan.n1, version, advert, 150);
            VrrpLan.Daemon ours = lan.ours(lan.n2, version, advert, 100);
            owner(probe, kaMac, 0, 20_000, "keepalived (150) elected");
            Thread.sleep(1000);
            assertFalse(lan.hasVip(lan.n2), ours.log());

            // graceful: keepalived stops, sends priority 0, ours takes over within a skew time
            long t0 = System.nanoTime();
            ka.term();
            long at = owner(probe, ourMac, t0, 10_000, "after keepalived's graceful stop");
            long ms = (at - t0) / 1_000_000;
            assertTrue(ms < TestTime.millis(mdiMillis(version, adv, 100)), "graceful handover took " + ms + " ms");
            sawGratuitousArp(probe, ourMac, t0, "graceful");
            ka.process.waitFor();

            // keepalived comes back with the higher priority and preempts; then its node dies
            lan.keepalived(lan.n1, version, advert, 150);
            t0 = System.nanoTime();
            owner(probe, kaMac, t0, 20_000, "keepalived preempted back");
            assertTrue(ours.log().contains("MASTER -> BACKUP"), ours.log());
            Thread.sleep(500);
            t0 = System.nanoTime();
            lan.die(lan.n1, lan.lastKeepalived());
            owner(probe, ourMac, t0, 20_000, "after keepalived's node died");
            sawGratuitousArp(probe, ourMac, t0, "takeover");
            assertTrue(ours.log().contains("BACKUP -> MASTER: no advertisement from a master"), ours.log());
        }
    }

    @ParameterizedTest(name = "VRRPv{0} advert {1} s")
    @CsvSource({"2, 1", "3, 0.1"})
    void oursMasterKeepalivedBackup(int version, String advert, @TempDir Path dir) throws Exception {
        double adv = Double.parseDouble(advert);
        try (VrrpLan lan = VrrpLan.create(dir); ArpProbe probe = lan.observe()) {
            String ourMac = lan.mac(lan.n1);
            String kaMac = lan.mac(lan.n2);
            VrrpLan.Daemon ours = lan.ours(lan.n1, version, advert, 150);
            VrrpLan.Daemon ka = lan.keepalived(lan.n2, version, advert, 100);
            owner(probe, ourMac, 0, 20_000, "ours (150) elected");
            Thread.sleep(1000);
            assertFalse(lan.hasVip(lan.n2), ka.log());

            long t0 = System.nanoTime();
            ours.term();
            long at = owner(probe, kaMac, t0, 10_000, "after our graceful stop");
            long ms = (at - t0) / 1_000_000;
            assertTrue(ms < TestTime.millis(mdiMillis(version, adv, 100)), "graceful handover took " + ms + " ms");
            assertFalse(lan.hasVip(lan.n1), "our stop removed the address");
            assertTrue(ours.log().contains("MASTER -> INITIALIZE: shutdown: sent priority 0"), ours.log());
            ours.process.waitFor();

            VrrpLan.Daemon ours2 = lan.ours(lan.n1, version, advert, 150);
            t0 = System.nanoTime();
            owner(probe, ourMac, t0, 20_000, "ours preempted back");
            sawGratuitousArp(probe, ourMac, t0, "preempt");
            Thread.sleep(500);
            t0 = System.nanoTime();
            lan.die(lan.n1, ours2);
            owner(probe, kaMac, t0, 20_000, "after our node died");
            sawGratuitousArp(probe, kaMac, t0, "keepalived takeover");
        }
    }
}
