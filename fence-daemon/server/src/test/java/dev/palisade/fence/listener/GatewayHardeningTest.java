package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own hardening, each case a way today's fence_virt deployments get hurt: a forger locking a
 * client out, a stale definition left on another hypervisor by a migration, an unknown domain mistaken for
 * one that is off.
 */
class GatewayHardeningTest {

    /**
     * Anyone who can put a packet on the wire with a client's source address can send junk requests "from"
     * it. Failures are logged (sparingly), but every well-formed request is still authenticated on its own.
     */
    @Test
    void forgedFailuresFromAClientsAddressNeverLockTheClientOut(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        Path forged = Fixtures.key(dir, "forger.key");
        int port = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, port, Fixtures.domainsUri(dir)));
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
            d.start(Duration.ofSeconds(10));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            Duration t = TestTime.scaled(Duration.ofSeconds(5));
            FenceVirtClient forger = new FenceVirtClient(FenceKey.load(forged), HashType.SHA256, HashType.SHA256, t);
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256, t);
            long mark = LogTail.mark();
            // the forger and the client share 127.0.0.1, as a spoofed datagram shares the client's address
            for (int i = 0; i < 25; i++) {
                assertThrows(IOException.class, () -> forger.tcp(addr, RequestCode.OFF, "appliance-a"));
            }
            assertEquals(0, client.tcp(addr, RequestCode.STATUS, "appliance-a").code(),
                    "the client holding the key is served whatever its address's history");
            assertEquals(0, client.tcp(addr, RequestCode.OFF, "appliance-b").code());
            LogTail.await(mark, Duration.ofSeconds(5), "127.0.0.1", "failed authentications");
        }
    }

    /**
     * A migration leaves the VM's definition, shut off, on the hypervisor it left. Asked by name, that
     * hypervisor must not answer for a VM that runs on another one: ON anywhere wins, and off acts where
     * the VM runs.
     */
    @Test
    void aStaleShutOffDefinitionOnOneHypervisorNeverHidesTheVmRunningOnAnother(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        int port = Fixtures.freePort();
        Path left = dir.resolve("left.xml");
        Path now = dir.resolve("now.xml");
        Files.writeString(left, node(domain("mover", "55555555-5555-4555-8555-555555555555", 5)));
        Files.writeString(now, node(domain("mover", "55555555-5555-4555-8555-555555555555", 1)));
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; } }
                backends { libvirt { uri = "test://%s"; uri1 = "test://%s"; } }
                """.formatted(key, port, left, now));
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
            d.start(Duration.ofSeconds(10));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256,
                    TestTime.scaled(Duration.ofSeconds(5)));
            long mark = LogTail.mark();
            assertEquals(0, client.tcp(addr, RequestCode.STATUS, "mover").code(), "running on the second: ON");
            LogTail.await(mark, Duration.ofSeconds(5), "mover", "disagree");
            assertEquals(0, client.tcp(addr, RequestCode.OFF, "mover").code());
            assertEquals(2, client.tcp(addr, RequestCode.STATUS, "mover").code(), "off where it ran: now OFF");
            assertEquals(0, client.tcp(addr, RequestCode.ON, "mover").code());
            assertEquals(0, client.tcp(addr, RequestCode.STATUS, "mover").code());
        }
    }

    /**
     * In the hardened protocol an unknown domain is its own answer; the legacy protocol keeps fence_virtd's
     * OFF (status) and FAIL (actions), byte for byte.
     */
    @Test
    void anUnknownDomainIsItsOwnAnswerInTheHardenedProtocolOnly(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        int port = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; auth = "both"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, port, Fixtures.domainsUri(dir)));
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
            d.start(Duration.ofSeconds(10));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            Duration t = TestTime.scaled(Duration.ofSeconds(5));
            FenceVirtClient hardened = FenceVirtClient.hardened(FenceKey.load(key), t);
            FenceVirtClient legacy = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256, t);
            int unknown = ResponseCode.UNKNOWN_DOMAIN.code();
            assertEquals(unknown, hardened.tcp(addr, RequestCode.STATUS, "no-such-vm").code());
            assertEquals(unknown, hardened.tcp(addr, RequestCode.OFF, "no-such-vm").code());
            assertEquals(unknown, hardened.tcp(addr, RequestCode.ON, "no-such-vm").code());
            assertEquals(unknown, hardened.tcp(addr, RequestCode.REBOOT, "no-such-vm").code());
            assertEquals(2, hardened.tcp(addr, RequestCode.STATUS, "Build_box").code(), "known and shut off: OFF");
            assertEquals(2, legacy.tcp(addr, RequestCode.STATUS, "no-such-vm").code(), "fence_virtd's answer");
            assertEquals(1, legacy.tcp(addr, RequestCode.OFF, "no-such-vm").code(), "fence_virtd's answer");
        }
    }

    static String node(String... domains) {
        return "<node>\n" + String.join("\n", domains) + "\n</node>\n";
    }

    /** A test-driver domain; runstate 1 running, 5 shut off. */
    static String domain(String name, String uuid, int runstate) {
        return """
                <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                  <name>%s</name><uuid>%s</uuid><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
                  <test:runstate>%d</test:runstate></domain>""".formatted(name, uuid, runstate);
    }
}
