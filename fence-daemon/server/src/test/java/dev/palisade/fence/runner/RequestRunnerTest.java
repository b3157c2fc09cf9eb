package dev.palisade.fence.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.wire.ResponseCode;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request the gateway did not carry out is answered FAIL, never SUCCESS or a state, whatever the path: no free
 * worker (every worker waits on the hypervisor) or no answer from the hypervisor by the deadline; each keeps its
 * reason for the metrics. Both the event-loop path ({@code submit}) and the blocking one ({@code call}).
 */
class RequestRunnerTest {
    private static final Outcome ON = Outcome.of(ResponseCode.SUCCESS);

    @Test
    void noFreeWorkerIsAnsweredFailAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try (RequestRunner runner = new RequestRunner(Duration.ofSeconds(30), 1, Executors.defaultThreadFactory())) {
            runner.submit(() -> "stuck", () -> {
                started.countDown();
                release.await();
                return ON;
            }, loop);
            assertTrue(started.await(TestTime.millis(10_000), TimeUnit.MILLISECONDS));
            Outcome blocking = runner.call(() -> "second", () -> ON);
            assertEquals(ResponseCode.FAIL, blocking.code());
            assertEquals(Rejection.BUSY, blocking.refusal());
            CompletableFuture<Outcome> viaLoop = new CompletableFuture<>();
            loop.execute(() -> runner.submit(() -> "third", () -> ON, loop).onDone(viaLoop::complete));
            Outcome o = viaLoop.get(TestTime.millis(10_000), TimeUnit.MILLISECONDS);
            assertEquals(ResponseCode.FAIL, o.code());
            assertEquals(Rejection.BUSY, o.refusal());
            assertEquals(2, runner.stats().refused());
        } finally {
            release.countDown();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aHypervisorThatDoesNotAnswerByTheDeadlineIsAnsweredFail() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try (RequestRunner runner = new RequestRunner(Duration.ofMillis(200), 4, Executors.defaultThreadFactory())) {
            Outcome blocking = runner.call(() -> "stuck", () -> {
                release.await();
                return ON;
            });
            assertEquals(ResponseCode.FAIL, blocking.code());
            assertEquals(Rejection.TIMEOUT, blocking.refusal());
            CompletableFuture<Outcome> viaLoop = new CompletableFuture<>();
            loop.execute(() -> runner.submit(() -> "stuck too", () -> {
                release.await();
                return ON;
            }, loop).onDone(viaLoop::complete));
            Outcome o = viaLoop.get(TestTime.millis(10_000), TimeUnit.MILLISECONDS);
            assertEquals(ResponseCode.FAIL, o.code());
            assertEquals(Rejection.TIMEOUT, o.refusal());
            assertEquals(2, runner.stats().timedOut());
        } finally {
            release.countDown();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
