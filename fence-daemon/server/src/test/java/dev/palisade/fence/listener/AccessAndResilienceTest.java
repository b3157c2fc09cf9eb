package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.libvirt.LibvirtHypervisor;
import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.backend.LibvirtBackend;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups with the stock client, and a hypervisor that stalls or is unreachable: never a hang. */
class AccessAndResilienceTest {
    @TempDir
    Path dir;

    private Path conf(Path key, int port, String uri, String extra) throws Exception {
        return Fixtures.write(dir.resolve("fence_virt.conf"), """
                fence_virtd { listener = "tcp"; backend = "libvirt"; request_timeout = "2"; }
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; } }
                backends { libvirt { uri = "%s"; } }
                %s
                """.formatted(key, port, uri, extra));
    }

    private static Commands.Result fenceVirt(int port, Path key, String... args) throws Exception {
        return Commands.run(20_000, Commands.concat(List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p",
                String.valueOf(port), "-k", key.toString(), "-t", "5"), args));
    }

    @Test
    void groupsDenyWithTheRuleLoggedAndListShowsOnlyAllowedDomains() throws Exception {
        Path key = Fixtures.key(dir, "k");
        int port = Fixtures.freePort();
        Path c = conf(key, port, Fixtures.domainsUri(dir), """
                groups {
                  group { name = "pair-1"; ip = "127.0.0.1"; uuid = "appliance-a"; uuid = "22222222-2222-4222-8222-222222222222"; }
                  group { name = "others"; ip = "10.0.0.9"; uuid = "Build_box"; }
                }
                """);
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c))) {
            d.start(Duration.ofSeconds(10));
            long mark = LogTail.mark();
            Commands.Result denied = fenceVirt(port, key, "-o", "off", "-H", "Build_box");
            assertEquals(3, denied.exit(), denied.toString());
            assertTrue(denied.stdout().contains("Permission denied"), denied.toString());
            String line = LogTail.await(mark, Duration.ofSeconds(5), "permission denied for off of 'Build_box'");
            assertTrue(line.contains("group 'pair-1'"), line);
            assertEquals(3, fenceVirt(port, key, "-o", "status", "-H", "db-standby").exit());
            assertEquals(0, fenceVirt(port, key, "-o", "status", "-H", "appliance-a").exit());
            // listed by UUID, asked by name: the same rule allows it
            assertEquals(0, fenceVirt(port, key, "-o", "status", "-H", "appliance-b").exit());
            Commands.Result list = fenceVirt(port, key, "-o", "list");
            assertEquals(0, list.exit());
            assertEquals(2, list.stdout().lines().count(), list.stdout());
            assertTrue(list.stdout().contains("appliance-a") && list.stdout().contains("appliance-b"));
            assertEquals(0, fenceVirt(port, key, "-o", "monitor").exit(), "monitor is never refused");
        }
    }

    @Test
    void eachListenerHasItsOwnKeyAndAccessScope() throws Exception {
        Path keyA = Fixtures.key(dir, "a.key");
        Path keyB = Fixtures.key(dir, "b.key");
        int portA = Fixtures.freePort();
        int portB = Fixtures.freePort();
        Path c = Fixtures.write(dir.resolve("scoped.conf"), """
                listeners {
                  tcp { key_file = "%s"; port = "%d"; group = "pair-1"; }
                  tcp { key_file = "%s"; port = "%d"; group = "lab"; }
                }
                backends { libvirt { uri = "%s"; } }
                groups {
                  group { name = "pair-1"; ip = "127.0.0.1"; uuid = "appliance-a"; }
                  group { name = "lab"; ip = "127.0.0.1"; uuid = "Build_box"; }
                }
                """.formatted(keyA, portA, keyB, portB, Fixtures.domainsUri(dir)));
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c))) {
            d.start(Duration.ofSeconds(10));
            assertEquals(0, fenceVirt(portA, keyA, "-o", "status", "-H", "appliance-a").exit());
            assertEquals(3, fenceVirt(portA, keyA, "-o", "status", "-H", "Build_box").exit(), "not in pair-1's scope");
            assertEquals(3, fenceVirt(portB, keyB, "-o", "status", "-H", "appliance-a").exit(), "not in lab's scope");
            assertEquals(2, fenceVirt(portB, keyB, "-o", "status", "-H", "Build_box").exit(), "allowed, and off");
            assertEquals(1, fenceVirt(portB, keyA, "-o", "status", "-H", "Build_box").exit(), "each listener its own key");
            Commands.Result list = fenceVirt(portA, keyA, "-o", "list");
            assertEquals(1, list.stdout().lines().count(), list.stdout());
        }
    }

    /**
     * A "hypervisor" socket that accepts connections and never answers: libvirt's remote driver hangs in
     * its handshake, exactly like a wedged libvirtd.
     */
    @Test
    void stalledHypervisorNeverBlocksRequestsOrShutdown() throws Exception {
        Path sock = dir.resolve("libvirt-sock");
        List<SocketChannel> held = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (Exception closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Path key = Fixtures.key(dir, "k");
            int port = Fixtures.freePort();
            Path c = conf(key, port, "qemu+unix:///system?socket=" + sock, "");
            FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c));
            long t0 = System.nanoTime();
            d.start(Duration.ofMillis(300));
            assertTrue((System.nanoTime() - t0) / 1e6 < TestTime.millis(2000), "start does not wait on a stalled hypervisor");
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256,
                    TestTime.scaled(Duration.ofSeconds(10)));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            ExecutorService ex = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> fs = new ArrayList<>();
                long s0 = System.nanoTime();
                for (int i = 0; i < 8; i++) {
                    fs.add(ex.submit(() -> client.tcp(addr, RequestCode.OFF, "vm").code()));
                }
                for (Future<Integer> f : fs) {
                    assertEquals(1, f.get().intValue(), "FAIL, not a hang");
                }
                long ms = (System.nanoTime() - s0) / 1_000_000;
                assertTrue(ms < TestTime.millis(3000), "8 parallel requests answered within the deadline: " + ms + " ms");
                assertEquals(1, client.tcp(addr, RequestCode.DEVSTATUS, "").code(), "devstatus is honest");
            } finally {
                ex.shutdownNow();
            }
            long c0 = System.nanoTime();
            d.close();
            long closeMs = (System.nanoTime() - c0) / 1_000_000;
            assertTrue(closeMs < TestTime.millis(1000), "shutdown took " + closeMs + " ms");
        } finally {
            for (SocketChannel s : held) {
                s.close();
            }
        }
    }

    @Test
    void unreachableHypervisorFailsFastAndReconnectsWithBackoff() throws Exception {
        long mark = LogTail.mark();
        LibvirtHypervisor hv = new LibvirtHypervisor("qemu+unix:///system?socket=" + dir.resolve("absent.sock"),
                Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(400));
        try (LibvirtBackend backend = new LibvirtBackend(List.of(hv))) {
            assertFalse(hv.awaitConnected(Duration.ofMillis(300)));
            assertEquals(dev.palisade.fence.wire.ResponseCode.FAIL, backend.devstatus());
            LogTail.await(mark, Duration.ofSeconds(5), "next attempt in 200 ms");
            LogTail.await(mark, Duration.ofSeconds(5), "next attempt in 400 ms");
            assertTrue(hv.lastError().contains("connect failed"), hv.lastError());
        }
    }
}
