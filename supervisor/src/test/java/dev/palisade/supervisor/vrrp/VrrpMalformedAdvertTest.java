package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.net.IpRawSocket;
import dev.palisade.supervisor.config.VrrpConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our instance as Master in one namespace; from the other node's namespace come adverts with priority 200
 * that would unseat it if believed, each broken in one way. Each is dropped and counted by kind, and
 * nothing changes; then one good advert shows they would have mattered.
 */
class VrrpMalformedAdvertTest {
    @Test
    void brokenAdvertsAreDroppedCountedAndChangeNothing(@TempDir Path dir) throws Exception {
        try (VrrpLan lan = VrrpLan.create(dir)) {
            VrrpConfig.Instance cfg = new VrrpConfig.Instance("VI_1", "eth0", 51, 3, 100, 10,
                    List.of(new VrrpConfig.Vip(InetAddress.getByName(VrrpLan.VIP), 24)), true, Duration.ZERO, 1,
                    Duration.ofMillis(20), false, List.of(), null, null, null);
            List<String> transitions = new ArrayList<>();
            VrrpInstance ours = VrrpLan.inside(lan.n1, () -> VrrpInstance.start(cfg, transitions::add));
            try {
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (ours.state() != VrrpMachine.State.MASTER && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(VrrpMachine.State.MASTER, ours.state());
                InetAddress src = InetAddress.getByName("10.99.0.2");
                InetAddress group = InetAddress.getByName(VrrpPacket.GROUP_V4);
                byte[] good = new VrrpPacket(3, 51, 200, 10, 0, null,
                        List.of(InetAddress.getByName(VrrpLan.VIP))).encode(src, group);
                byte[] badSum = good.clone();
                badSum[7] ^= 0x55;
                byte[] v2 = new VrrpPacket(2, 51, 200, 1, 0, null, List.of(InetAddress.getByName(VrrpLan.VIP)))
                        .encode(src, group);
                byte[] otherVrid = new VrrpPacket(3, 52, 200, 10, 0, null,
                        List.of(InetAddress.getByName(VrrpLan.VIP))).encode(src, group);
                byte[] badCount = good.clone();
                badCount[3] = 2;
                byte[] truncated = java.util.Arrays.copyOf(good, 6);
                VrrpLan.inside(lan.n2, () -> {
                    try (IpRawSocket s = IpRawSocket.open("eth0", false, VrrpPacket.PROTOCOL, src, null)) {
                        for (byte[] b : List.of(badSum, v2, otherVrid, badCount, truncated)) {
                            s.send(group, b);
                        }
                        s.ttl(64);
                        s.send(group, good);
                    }
                    return null;
                });
                Thread.sleep(300);
                Map<VrrpPacket.Defect, Long> d = ours.dropped();
                assertEquals(1L, d.get(VrrpPacket.Defect.CHECKSUM), d.toString());
                assertEquals(1L, d.get(VrrpPacket.Defect.VERSION), d.toString());
                assertEquals(1L, d.get(VrrpPacket.Defect.VRID), d.toString());
                assertEquals(2L, d.get(VrrpPacket.Defect.TRUNCATED), "count 2 with one address, and 6 bytes: " + d);
                assertEquals(1L, d.get(VrrpPacket.Defect.TTL), d.toString());
                assertEquals(VrrpMachine.State.MASTER, ours.state(), "nothing changed");
                assertEquals(0, ours.received());

                VrrpLan.inside(lan.n2, () -> {
                    try (IpRawSocket s = IpRawSocket.open("eth0", false, VrrpPacket.PROTOCOL, src, null)) {
                        s.send(group, good);
                    }
                    return null;
                });
                Thread.sleep(200);
                assertEquals(1, ours.received());
                assertTrue(transitions.stream().anyMatch(t -> t.contains("MASTER -> BACKUP: advert from 10.99.0.2 with"
                        + " priority 200")), transitions.toString());
            } finally {
                ours.close();
            }
        }
    }
}
