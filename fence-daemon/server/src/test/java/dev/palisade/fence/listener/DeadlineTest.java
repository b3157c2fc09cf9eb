package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.runner.Outcome;
import dev.palisade.fence.runner.RequestRunner;
import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.backend.FenceBackend;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request runner's per-request deadline, tested with a backend double whose calls for the domain "stuck"
 * never return (a hypervisor call wedged mid-operation, which no real peer here reproduces on demand).
 */
class DeadlineTest {

    /** Test double: answers at once, except that any call about "stuck" blocks until released. */
    static class BlockingBackend implements FenceBackend {
        final CountDownLatch release = new CountDownLatch(1);

        private ResponseCode maybeBlock(String vm) {
            if (vm.equals("stuck")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ResponseCode.SUCCESS;
        }

        @Override
        public String name() {
            return "blocking";
        }

        @Override
        public ResponseCode off(String vm, String source, long seqno) {
            return maybeBlock(vm);
        }

        @Override
        public ResponseCode on(String vm, String source, long seqno) {
            return maybeBlock(vm);
        }

        @Override
        public ResponseCode reboot(String vm, String source, long seqno) {
            return maybeBlock(vm);
        }

        @Override
        public ResponseCode status(String vm) {
            return maybeBlock(vm);
        }

        @Override
        public ResponseCode devstatus() {
            return ResponseCode.SUCCESS;
        }

        @Override
        public List<HostState> hostlist() {
            return List.of();
        }

        @Override
        public Optional<HostState> describe(String vm) {
            return Optional.of(new HostState(vm, vm, 1));
        }

        @Override
        public void close() {
            release.countDown();
        }
    }

    @Test
    void stuckCallFailsAtItsDeadlineWhileOthersAreServedAndShutdownIsPrompt(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "k");
        int port = Fixtures.freePort();
        Path c = Fixtures.tcpGateway(dir, key, port, "request_timeout = \"1\";", "");
        BlockingBackend backend = new BlockingBackend();
        FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(c), backend);
        d.start(Duration.ZERO);
        FenceVirtClient client = new FenceVirtClient(FenceKey.load(key), HashType.SHA256, HashType.SHA256,
                TestTime.scaled(Duration.ofSeconds(10)));
        InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
        long mark = LogTail.mark();
        long t0 = System.nanoTime();
        CompletableFuture<Integer> stuck = CompletableFuture.supplyAsync(() -> {
            try {
                return client.tcp(addr, RequestCode.OFF, "stuck").code();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 20; i++) {
            long s = System.nanoTime();
            assertEquals(0, client.tcp(addr, RequestCode.STATUS, "fine").code());
            assertTrue((System.nanoTime() - s) / 1e6 < TestTime.millis(500), "not delayed by the stuck call");
        }
        assertEquals(1, stuck.get().intValue(), "FAIL at the deadline");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < TestTime.millis(3000), "answered after " + ms + " ms");
        LogTail.await(mark, Duration.ofSeconds(5), "off of 'stuck' failed: the hypervisor did not answer within 1 s");
        assertEquals(1, d.runner().stats().timedOut());
        // one more stuck call in flight while shutting down
        CompletableFuture.runAsync(() -> {
            try {
                client.tcp(addr, RequestCode.REBOOT, "stuck");
            } catch (Exception expected) {
                // the gateway goes away under it
            }
        });
        Thread.sleep(200);
        long c0 = System.nanoTime();
        d.close();
        long closeMs = (System.nanoTime() - c0) / 1_000_000;
        assertTrue(closeMs < TestTime.millis(1000), "shutdown took " + closeMs + " ms");
    }

    /**
     * The runner answers FAIL at the deadline and interrupts the call that missed it; when that call returns on
     * its own afterwards and its worker goes on to the next request, the interrupt must not land in that next
     * call.
     */
    @Test
    void theDeadlineInterruptNeverReachesTheNextCallOnTheSameWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> lateThread = new AtomicReference<>();
        try (RequestRunner runner = new RequestRunner(Duration.ofMillis(TestTime.millis(200)), 1,
                FenceThreads.factory("test-worker"))) {
            long t0 = System.nanoTime();
            Outcome late = runner.call(() -> "late", () -> {
                lateThread.set(Thread.currentThread());
                // deaf to interrupts, like a native call
                awaitUninterruptibly(release);
                return Outcome.of(ResponseCode.SUCCESS);
            });
            assertEquals(ResponseCode.FAIL, late.code(), "FAIL at the deadline");
            assertTrue((System.nanoTime() - t0) / 1_000_000 >= 190, "not before the deadline");
            release.countDown();
            // the one worker is free again once the late call has returned
            Outcome next = null;
            for (int i = 0; i < 200 && next == null; i++) {
                Outcome o = runner.call(() -> "next", () -> Outcome.of(
                        Thread.currentThread() == lateThread.get() && !Thread.currentThread().isInterrupted()
                                ? ResponseCode.SUCCESS : ResponseCode.PERM));
                if (o.code() != ResponseCode.FAIL) {
                    next = o;
                } else {
                    Thread.sleep(10);
                }
            }
            assertEquals(ResponseCode.SUCCESS, next.code(), "the next call ran on the same worker, not interrupted");
            assertEquals(1, runner.stats().timedOut());
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
