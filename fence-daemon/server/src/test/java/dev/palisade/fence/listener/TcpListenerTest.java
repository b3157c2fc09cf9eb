package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TCP listener at its edges: an answer far bigger than the socket takes at once (a 13 MB host list to a
 * client that does not read), hypervisor calls that hang, and a crash inside the hypervisor library.
 */
class TcpListenerTest {

    private static TcpListener tcp(FenceDaemon d) {
        return d.listeners().stream().filter(TcpListener.class::isInstance).map(TcpListener.class::cast)
                .findFirst().orElseThrow();
    }

    /** The gateway's event-loop threads alive now (hypervisor calls never run on them). */
    private static Set<String> loopThreads() {
        Set<String> out = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("fence-loop-") && t.isAlive()) {
                out.add(t.getName());
            }
        }
        return out;
    }

    @Test
    void answerBiggerThanTheSocketTakesIsSentAtTheClientsPaceWhileOthersAreServed(@TempDir Path dir) throws Exception {
        int hosts = 100_000;
        Path key = Fixtures.key(dir, "k");
        int port = Fixtures.freePort();
        Path c = Fixtures.tcpGateway(dir, key, port, "request_timeout = \"10\";", "hash = \"none\"; auth = \"none\";");
        List<HostState> many = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            many.add(new HostState(String.format("vm-%06d", i), String.format("%08d-0000-4000-8000-000000000000", i), 1));
        }
        DeadlineTest.BlockingBackend backend = new DeadlineTest.BlockingBackend() {
            @Override
            public List<HostState> hostlist() {
                return many;
            }
        };
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c), backend)) {
            d.start(Duration.ZERO);
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.NONE, HashType.NONE,
                    TestTime.scaled(Duration.ofSeconds(10)));
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(addr, 2000);
                s.setSoTimeout((int) TestTime.millis(10_000));
                s.getOutputStream().write(FenceRequest.builder().request(RequestCode.HOSTLIST).hashType(HashType.NONE)
                        .domain("").seqno(424242).build().encode());
                s.getOutputStream().flush();
                // the list (13 MB) does not fit into the socket while this client is not reading: its answer waits
                // on the connection, and every other request is served meanwhile
                Thread.sleep(TestTime.millis(300));
                assertEquals(1, tcp(d).connections(), "the list's connection is still open, its answer pending");
                for (int i = 0; i < 5; i++) {
                    assertEquals(0, client.tcp(addr, RequestCode.STATUS, "fine").code(), "served meanwhile");
                }
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                long total = 0;
                int first = -1;
                int last = -1;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (n == 0) {
                        continue;
                    }
                    if (first < 0) {
                        first = buf[0] & 0xff;
                    }
                    last = buf[n - 1] & 0xff;
                    total += n;
                }
                assertEquals(1 + (hosts + 1L) * HostState.SIZE + 1, total, "every entry, the terminator and the result");
                assertEquals(ResponseCode.HOSTLIST.code() & 0xff, first);
                assertEquals(ResponseCode.SUCCESS.code() & 0xff, last);
            }
        }
    }

    @Test
    void everyHangingCallFailsOnTimeWhileOthersAreServed(@TempDir Path dir) throws Exception {
        int stuckCalls = 10;
        Path key = Fixtures.key(dir, "k");
        int port = Fixtures.freePort();
        Path c = Fixtures.tcpGateway(dir, key, port, "request_timeout = \"1\";", "");
        DeadlineTest.BlockingBackend backend = new DeadlineTest.BlockingBackend();
        FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c), backend);
        try {
            d.start(Duration.ZERO);
            Set<String> loopsBefore = loopThreads();
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256,
                    TestTime.scaled(Duration.ofSeconds(10)));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            long mark = LogTail.mark();
            long t0 = System.nanoTime();
            List<CompletableFuture<Integer>> stuck = new ArrayList<>();
            for (int i = 0; i < stuckCalls; i++) {
                stuck.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.tcp(addr, RequestCode.OFF, "stuck").code();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> new Thread(r).start()));
            }
            Thread.sleep(100);
            for (int i = 0; i < 20; i++) {
                long s = System.nanoTime();
                assertEquals(0, client.tcp(addr, RequestCode.STATUS, "fine").code());
                assertTrue((System.nanoTime() - s) / 1e6 < TestTime.millis(500), "not held up by the hanging calls");
            }
            for (CompletableFuture<Integer> f : stuck) {
                assertEquals(1, f.get().intValue(), "FAIL at the deadline");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < TestTime.millis(3000), "all answered after " + ms + " ms");
            assertEquals(stuckCalls, d.runner().stats().timedOut());
            LogTail.await(mark, Duration.ofSeconds(5), "off of 'stuck' failed: the hypervisor did not answer within 1 s");
            // the hypervisor recovers: the stuck workers finish their calls, and the gateway serves on
            backend.release.countDown();
            assertEquals(0, client.tcp(addr, RequestCode.STATUS, "fine").code());
            assertEquals(loopsBefore, loopThreads(), "the event loops are the ones that started");
        } finally {
            long c0 = System.nanoTime();
            d.close();
            long closeMs = (System.nanoTime() - c0) / 1_000_000;
            assertTrue(closeMs < TestTime.millis(1000), "shutdown took " + closeMs + " ms");
        }
    }

    @Test
    void anErrorInsideTheHypervisorLibraryFailsThatRequestOnly(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "k");
        int port = Fixtures.freePort();
        Path c = Fixtures.tcpGateway(dir, key, port, "", "");
        DeadlineTest.BlockingBackend backend = new DeadlineTest.BlockingBackend() {
            @Override
            public ResponseCode status(String vm) {
                if (vm.equals("crash")) {
                    // what JNA throws when native code faults
                    throw new Error("Invalid memory access");
                }
                return super.status(vm);
            }
        };
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c), backend)) {
            d.start(Duration.ZERO);
            Set<String> loopsBefore = loopThreads();
            FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256,
                    TestTime.scaled(Duration.ofSeconds(10)));
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            long mark = LogTail.mark();
            for (int i = 0; i < 8; i++) {
                assertEquals(1, client.tcp(addr, RequestCode.STATUS, "crash").code(), "FAIL for the crashed call");
                assertEquals(0, client.tcp(addr, RequestCode.STATUS, "fine").code(), "the next request is served");
            }
            LogTail.await(mark, Duration.ofSeconds(5), "status of 'crash' failed inside the hypervisor library");
            assertEquals(loopsBefore, loopThreads(), "every event loop still runs");
        }
    }
}
