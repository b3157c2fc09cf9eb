package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's TCP listener on the libvirt test driver, driven by the stock fence_virt client and by raw
 * bytes: results, rejections with their log lines, and bad input that must never crash, leak or hang.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpGatewayTest {
    Path dir;
    Path key;
    Path wrongKey;
    int port;
    FenceDaemon daemon;
    TcpListener listener;
    FenceVirtClient client;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        key = Fixtures.key(dir, "fence.key");
        wrongKey = Fixtures.key(dir, "wrong.key");
        port = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("fence_virt.conf"), """
                fence_virtd { listener = "tcp"; backend = "libvirt"; }
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; hash = "sha256"; auth = "sha256"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, port, Fixtures.domainsUri(dir)));
        daemon = FenceDaemon.create(FenceDaemonConfig.load(conf));
        daemon.start(Duration.ofSeconds(10));
        listener = (TcpListener) daemon.listeners().get(0);
        client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256, TestTime.scaled(Duration.ofSeconds(5)));
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    private Commands.Result fenceVirt(Path k, String... args) throws Exception {
        List<String> cmd = Commands.concat(List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p",
                String.valueOf(port), "-k", k.toString(), "-t", "5"), args);
        return Commands.run(20_000, cmd);
    }

    private InetSocketAddress addr() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void stockClientListsEveryDomainSortedWithState() throws Exception {
        Commands.Result r = fenceVirt(key, "-o", "list");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("""
                appliance-a                      11111111-1111-4111-8111-111111111111 on
                appliance-b                      22222222-2222-4222-8222-222222222222 on
                Build_box                        33333333-3333-4333-8333-333333333333 off
                db-standby                       44444444-4444-4444-8444-444444444444 off
                """, r.stdout());
    }

    @Test
    void stockClientPowerCycle() throws Exception {
        assertEquals(0, fenceVirt(key, "-o", "status", "-H", "appliance-b").exit());
        assertEquals(0, fenceVirt(key, "-o", "off", "-H", "appliance-b").exit());
        Commands.Result st = fenceVirt(key, "-o", "status", "-H", "appliance-b");
        assertEquals(2, st.exit(), st.toString());
        assertTrue(st.stdout().contains("Status: OFF"), st.toString());
        assertEquals(0, fenceVirt(key, "-o", "off", "-H", "appliance-b").exit(), "already off is success");
        assertEquals(0, fenceVirt(key, "-o", "reboot", "-H", "appliance-b").exit(), "reboot of an off node: success");
        assertEquals(2, fenceVirt(key, "-o", "status", "-H", "appliance-b").exit(), "and it stays off");
        assertEquals(0, fenceVirt(key, "-o", "on", "-H", "22222222-2222-4222-8222-222222222222").exit());
        assertEquals(0, fenceVirt(key, "-o", "reboot", "-H", "appliance-b").exit());
        Commands.Result on = fenceVirt(key, "-o", "status", "-H", "appliance-b");
        assertEquals(0, on.exit(), on.toString());
        assertTrue(on.stdout().contains("Status: ON"));
    }

    @Test
    void unknownDomainIsOffForStatusAndFailForActions() throws Exception {
        assertEquals(2, fenceVirt(key, "-o", "status", "-H", "no-such-vm").exit());
        assertEquals(1, fenceVirt(key, "-o", "off", "-H", "no-such-vm").exit());
        assertEquals(1, fenceVirt(key, "-o", "on", "-H", "no-such-vm").exit());
        assertEquals(0, fenceVirt(key, "-o", "monitor").exit());
    }

    @Test
    void pausedDomainIsOnForStatus() throws Exception {
        assertEquals(0, fenceVirt(key, "-o", "status", "-H", "db-standby").exit());
    }

    @Test
    void wrongKeyIsRejectedAndLogged() throws Exception {
        long mark = LogTail.mark();
        Commands.Result r = fenceVirt(wrongKey, "-o", "off", "-H", "appliance-a");
        assertEquals(1, r.exit(), r.toString());
        LogTail.await(mark, Duration.ofSeconds(5), "127.0.0.1: request dropped", "signature does not match");
        assertEquals(0, fenceVirt(key, "-o", "status", "-H", "appliance-a").exit(), "appliance-a untouched");
    }

    @Test
    void unsignedRequestToSha256ListenerIsRejectedAndLogged() throws Exception {
        long mark = LogTail.mark();
        long before = listener.gate().drops().rejected();
        FenceVirtClient unsigned = new FenceVirtClient(FenceKey.load(key), HashType.NONE, HashType.SHA256,
                TestTime.scaled(Duration.ofSeconds(3)));
        assertThrows(IOException.class, () -> unsigned.tcp(addr(), RequestCode.OFF, "appliance-a"));
        LogTail.await(mark, Duration.ofSeconds(5), "signed with no hash, weaker than the required sha256");
        assertEquals(before + 1, listener.gate().drops().rejected());
        Commands.Result r = fenceVirt(key, "-c", "none", "-o", "off", "-H", "appliance-a");
        assertEquals(1, r.exit(), "stock client with -c none is refused too");
        assertEquals(0, fenceVirt(key, "-o", "status", "-H", "appliance-a").exit());
    }

    @Test
    void weakerHashThanConfiguredIsRejectedAndLogged() throws Exception {
        long mark = LogTail.mark();
        Commands.Result r = fenceVirt(key, "-c", "sha1", "-o", "off", "-H", "appliance-a");
        assertEquals(1, r.exit(), r.toString());
        LogTail.await(mark, Duration.ofSeconds(5), "signed with sha1, weaker than the required sha256");
        assertEquals(0, fenceVirt(key, "-c", "sha512", "-o", "status", "-H", "appliance-a").exit(),
                "a stronger hash is accepted");
    }

    @Test
    void unknownHashTypeIsRejected() throws Exception {
        long mark = LogTail.mark();
        byte[] b = client.request(RequestCode.STATUS, "appliance-a").encode();
        b[1] = 9;
        assertThrows(IOException.class, () -> client.tcpRaw(addr(), b));
        LogTail.await(mark, Duration.ofSeconds(5), "unknown hash type 9");
    }

    @Test
    void unknownRequestCodeIsAnsweredFail() throws Exception {
        long mark = LogTail.mark();
        FenceRequest r = LegacyAuth.sign(FenceRequest.builder().requestByte(42).domain("appliance-a").seqno(5).build(),
                HashType.SHA256, FenceKey.load(key));
        assertEquals(1, client.tcpRaw(addr(), r.encode()).code());
        LogTail.await(mark, Duration.ofSeconds(5), "unknown request code 42");
    }

    @Test
    void sixtyFourCharacterNameIsDroppedAsMalformed() throws Exception {
        long before = listener.gate().drops().malformed();
        byte[] b = client.request(RequestCode.STATUS, "x").encode();
        java.util.Arrays.fill(b, 4, 68, (byte) 'n');
        assertThrows(IOException.class, () -> client.tcpRaw(addr(), b));
        assertEquals(before + 1, listener.gate().drops().malformed());
    }

    @Test
    void sixtyThreeCharacterUnknownNameIsAnswered() throws Exception {
        assertEquals(2, client.tcp(addr(), RequestCode.STATUS, "n".repeat(63)).code());
    }

    @Test
    void truncatedOversizedAndRandomStreamsAreDroppedCleanly() throws Exception {
        Random rnd = new Random(1);
        for (int len : new int[] {0, 1, 100, 175, 176, 177, 500, 4096}) {
            byte[] junk = new byte[len];
            rnd.nextBytes(junk);
            try (Socket s = new Socket()) {
                s.connect(addr(), 2000);
                s.setSoTimeout((int) TestTime.millis(3000));
                OutputStream out = s.getOutputStream();
                out.write(junk);
                out.flush();
                if (len < 176) {
                    s.shutdownOutput();
                }
                InputStream in = s.getInputStream();
                try {
                    assertEquals(-1, in.read(), "gateway closes without answering junk of " + len + " bytes");
                } catch (java.net.SocketException reset) {
                    // closed with unread input: a reset is also a clean drop
                }
            }
        }
        // still serving
        assertEquals(0, client.tcp(addr(), RequestCode.STATUS, "appliance-a").code());
    }

    @Test
    void slowLorisIsCutOffAtTheReadDeadline() throws Exception {
        long mark = LogTail.mark();
        try (Socket s = new Socket()) {
            s.connect(addr(), 2000);
            s.setSoTimeout((int) TestTime.millis(5000));
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            int closedAfter = -1;
            for (int i = 0; i < 20; i++) {
                try {
                    out.write(0);
                    out.flush();
                } catch (IOException closed) {
                    closedAfter = i;
                    break;
                }
                Thread.sleep(150);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closedAfter > 0 || s.getInputStream().read() == -1, "connection was closed");
            assertTrue(ms < TestTime.millis(3100), "cut off after " + ms + " ms");
        }
        LogTail.await(mark, Duration.ofSeconds(5), "connection dropped", "deadline passed");
    }

    @Test
    void manyConcurrentClientsAreServed() throws Exception {
        int n = 32;
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<Integer>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(ex.submit(() -> client.tcp(addr(), RequestCode.STATUS, "appliance-a").code()));
            }
            for (var f : fs) {
                assertEquals(0, f.get().intValue());
            }
        } finally {
            ex.shutdownNow();
        }
    }
}
