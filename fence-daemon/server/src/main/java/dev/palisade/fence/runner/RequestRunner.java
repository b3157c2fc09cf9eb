package dev.palisade.fence.runner;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Runs every hypervisor call of the gateway, for every listener, on a bounded set of worker threads and never
 * on an event loop, each under the request's deadline ({@code request_timeout}). At the deadline the request
 * is answered FAIL and its worker interrupted (the interrupt reaches only that call: a worker's interrupt
 * status is cleared before its next task). A request that finds every worker busy (all of them wait on a
 * hypervisor) is answered FAIL at once and logged: no request is parked behind a stuck one.
 */
public final class RequestRunner implements AutoCloseable {
    /** A hypervisor call: the access check and the backend operation of one request. */
    @FunctionalInterface
    public interface Call {
        Outcome run() throws Exception;
    }

    /** Counters for status output and tests. */
    public record Stats(long served, long timedOut, long refused) {
    }

    private final Duration timeout;
    private final ThreadPoolExecutor workers;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    public RequestRunner(Duration timeout, int maxWorkers, ThreadFactory threads) {
        this.timeout = timeout;
        // No queue: a call either gets a worker now or is refused loudly, never parked behind a stuck one.
        this.workers = new ThreadPoolExecutor(0, maxWorkers, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    public Duration timeout() {
        return timeout;
    }

    public Stats stats() {
        return new Stats(served.get(), timedOut.get(), refused.get());
    }

    /**
     * Starts {@code call} on a worker; {@code done} gets exactly one outcome, run on {@code loop} (the
     * connection's event loop, which also keeps the deadline): the call's, or FAIL at the deadline, or FAIL at
     * once when no worker is free. {@code what} names the request in the log ("tcp 127.0.0.1:1229
     * 10.0.0.5: off of 'vm1'").
     */
    public void submit(String what, Call call, ScheduledExecutorService loop, Consumer<Outcome> done) {
        Pending p = new Pending(what, done);
        try {
            p.future = workers.submit(() -> {
                Outcome o = run(what, call);
                loop.execute(() -> p.complete(o));
            });
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            Logger.error("{} refused: all {} workers wait on the hypervisor", what, workers.getMaximumPoolSize());
            loop.execute(() -> p.complete(Outcome.FAIL));
            return;
        }
        p.deadline = loop.schedule(p::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One submitted call; completed once, on its loop. */
    private final class Pending {
        final String what;
        final Consumer<Outcome> done;
        Future<?> future;
        Future<?> deadline;
        boolean completed;

        Pending(String what, Consumer<Outcome> done) {
            this.what = what;
            this.done = done;
        }

        void complete(Outcome o) {
            if (completed) {
                return;
            }
            completed = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            served.incrementAndGet();
            done.accept(o);
        }

        void expire() {
            if (completed) {
                return;
            }
            timedOut.incrementAndGet();
            Logger.error("{} failed: the hypervisor did not answer within {} s", what, timeout.toSeconds());
            complete(Outcome.FAIL);
            future.cancel(true);
        }
    }

    /**
     * Runs {@code call} on a worker and waits for it, for a listener whose connection has no event loop (vsock,
     * serial): the outcome, or FAIL at the deadline or when no worker is free.
     */
    public Outcome call(String what, Call call) {
        Future<Outcome> f;
        try {
            f = workers.submit(() -> run(what, call));
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            Logger.error("{} refused: all {} workers wait on the hypervisor", what, workers.getMaximumPoolSize());
            return Outcome.FAIL;
        }
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            timedOut.incrementAndGet();
            Logger.error("{} failed: the hypervisor did not answer within {} s", what, timeout.toSeconds());
            return Outcome.FAIL;
        } catch (ExecutionException e) {
            return Outcome.FAIL;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return Outcome.FAIL;
        } finally {
            served.incrementAndGet();
        }
    }

    /** The call on its worker: whatever it throws fails this request only, and is logged. */
    private static Outcome run(String what, Call call) {
        try {
            return call.run();
        } catch (InterruptedException e) {
            return Outcome.FAIL;
        } catch (Exception e) {
            Logger.error("{} failed: {}", what, e.getMessage());
            return Outcome.FAIL;
        } catch (Error e) {
            // JNA reports a crash inside the hypervisor library as an Error: the request fails, the gateway stays
            Logger.error(e, "{} failed inside the hypervisor library", what);
            return Outcome.FAIL;
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
