package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The hardened scheme over TCP: round trips, and every kind of forgery rejected with its own log line. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardenedTcpTest {
    Path key;
    int hardenedPort;
    int bothPort;
    int legacyPort;
    FenceDaemon daemon;
    FenceVirtClient client;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        key = Fixtures.key(dir, "fence.key");
        hardenedPort = Fixtures.freePort();
        bothPort = Fixtures.freePort();
        legacyPort = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners {
                  tcp { key_file = "%1$s"; port = "%2$d"; auth = "hardened"; skew = "10"; }
                  tcp { key_file = "%1$s"; port = "%3$d"; auth = "both"; }
                  tcp { key_file = "%1$s"; port = "%4$d"; }
                }
                backends { libvirt { uri = "%5$s"; } }
                """.formatted(key, hardenedPort, bothPort, legacyPort, Fixtures.domainsUri(dir)));
        daemon = FenceDaemon.create(FenceDaemonConfig.load(conf));
        daemon.start(Duration.ofSeconds(10));
        client = FenceVirtClient.hardened(FenceKey.load(key), TestTime.scaled(Duration.ofSeconds(5)));
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    private static InetSocketAddress at(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private Commands.Result stock(int port, String... args) throws Exception {
        return Commands.run(20_000, Commands.concat(List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p",
                String.valueOf(port), "-k", key.toString(), "-t", "5"), args));
    }

    @Test
    void hardenedRoundTrips() throws Exception {
        assertEquals(0, client.tcp(at(hardenedPort), RequestCode.STATUS, "appliance-b").code());
        assertEquals(0, client.tcp(at(hardenedPort), RequestCode.OFF, "appliance-b").code());
        assertEquals(2, client.tcp(at(hardenedPort), RequestCode.STATUS, "appliance-b").code());
        assertEquals(0, client.tcp(at(hardenedPort), RequestCode.ON, "appliance-b").code());
        FenceVirtClient.Result list = client.tcp(at(hardenedPort), RequestCode.HOSTLIST, "");
        assertEquals(0, list.code());
        assertEquals(4, list.hosts().size());
        assertEquals("appliance-a", list.hosts().get(0).domain());
        assertEquals(ResponseCode.UNKNOWN_DOMAIN.code(), client.tcp(at(bothPort), RequestCode.STATUS, "no-such-vm").code(),
                "hardened: an unknown domain is its own answer, never OFF");
    }

    @Test
    void capturedRequestReplayedIsRejected() throws Exception {
        byte[] captured = client.request(RequestCode.STATUS, "appliance-a").encode();
        assertEquals(0, client.tcpRaw(at(hardenedPort), captured).code());
        long mark = LogTail.mark();
        assertThrows(IOException.class, () -> client.tcpRaw(at(hardenedPort), captured));
        LogTail.await(mark, Duration.ofSeconds(5), "nonce seen before: a replayed request");
    }

    @Test
    void tamperedRequestIsRejected() throws Exception {
        byte[] b = client.request(RequestCode.OFF, "appliance-a").encode();
        b[4] = 'X'; // the domain
        long mark = LogTail.mark();
        assertThrows(IOException.class, () -> client.tcpRaw(at(hardenedPort), b));
        LogTail.await(mark, Duration.ofSeconds(5), "failed its MAC: changed after signing (tampered)");
    }

    @Test
    void staleTimestampIsRejected() throws Exception {
        FenceRequest old = HardenedAuth.sign(FenceRequest.builder().request(RequestCode.OFF).domain("appliance-a")
                .seqno(5).build(), HardenedKeys.derive(FenceKey.load(key)), System.currentTimeMillis() - 60_000);
        long mark = LogTail.mark();
        assertThrows(IOException.class, () -> client.tcpRaw(at(hardenedPort), old.encode()));
        LogTail.await(mark, Duration.ofSeconds(5), "outside the +-10 s window (stale or clock skew)");
    }

    @Test
    void wrongKeyIsRejected(@TempDir Path dir) throws Exception {
        FenceVirtClient other = FenceVirtClient.hardened(FenceKey.load(Fixtures.key(dir, "other.key")),
                TestTime.scaled(Duration.ofSeconds(5)));
        long mark = LogTail.mark();
        assertThrows(IOException.class, () -> other.tcp(at(hardenedPort), RequestCode.OFF, "appliance-a"));
        LogTail.await(mark, Duration.ofSeconds(5), "made with another key (wrong key");
    }

    @Test
    void stockClientIsRefusedByAHardenedOnlyListenerAndServedWherePolicyAllows() throws Exception {
        long mark = LogTail.mark();
        Commands.Result r = stock(hardenedPort, "-o", "off", "-H", "appliance-a");
        assertEquals(1, r.exit(), r.toString());
        LogTail.await(mark, Duration.ofSeconds(5), "legacy (stock fence_virt) request refused: this listener requires hardened auth");
        assertEquals(0, stock(bothPort, "-o", "status", "-H", "appliance-a").exit());
        assertEquals(0, stock(legacyPort, "-o", "status", "-H", "appliance-a").exit());
    }

    @Test
    void hardenedClientIsRefusedByALegacyOnlyListener() throws Exception {
        long mark = LogTail.mark();
        assertThrows(IOException.class, () -> client.tcp(at(legacyPort), RequestCode.STATUS, "appliance-a"));
        LogTail.await(mark, Duration.ofSeconds(5), "hardened request to a listener configured for legacy auth only");
    }

    @Test
    void aLegacyAnswerCannotPassForAHardenedOne() throws Exception {
        // a stock-protocol server (our legacy-only listener) cannot satisfy a hardened client: no downgrade
        assertThrows(IOException.class, () -> client.tcp(at(legacyPort), RequestCode.OFF, "appliance-a"));
        assertEquals(0, client.tcp(at(hardenedPort), RequestCode.STATUS, "appliance-a").code(), "appliance-a untouched");
    }
}
