package dev.palisade.fence.runner;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
    private final AtomicInteger running = new AtomicInteger();

    public RequestRunner(Duration timeout, int maxWorkers, ThreadFactory threads) {
        this.timeout = timeout;
        // No queue: a call either gets a worker now or is refused loudly, never parked behind a stuck one.
        this.workers = new ThreadPoolExecutor(0, maxWorkers, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    public Duration timeout() {
        return timeout;
    }

    /** Hypervisor calls running on a worker now (a plain counter: reading it takes no lock of the pool). */
    public int running() {
        return running.get();
    }

    /** The most calls that run at once ({@code max_workers}). */
    public int maxWorkers() {
        return workers.getMaximumPoolSize();
    }

    public Stats stats() {
        return new Stats(served.get(), timedOut.get(), refused.get());
    }

    /**
     * Starts {@code call} on a worker and returns its ticket; ask the ticket for the outcome on {@code loop}
     * (the connection's event loop, which also keeps the deadline). The outcome is the call's, or FAIL at the
     * deadline, or FAIL at once when no worker is free. {@code what} names the request in the log ("tcp
     * 127.0.0.1:1229 10.0.0.5: off of 'vm1'"); it is made only when a line is written. Call on the loop.
     */
    public Ticket submit(Supplier<String> what, Call call, EventExecutor loop) {
        Ticket t = new Ticket(what, loop);
        try {
            t.future = workers.submit(() -> t.finished(run(what, call, running)));
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            Logger.error("{} refused: all {} workers wait on the hypervisor", what.get(), workers.getMaximumPoolSize());
            t.finished(Outcome.BUSY);
            return t;
        }
        t.deadline = loop.schedule(t::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return t;
    }

    /**
     * A call in progress. Its outcome is kept until the loop asks for it ({@link #onDone}); only a loop that
     * asked before the call ended is woken for it, so a call that ends while its client is still proving the
     * key costs no wake-up of the loop.
     */
    public final class Ticket {
        private final Supplier<String> what;
        private final EventExecutor loop;
        /** null while running, the Outcome once there is one, or the callback the loop left while it waits. */
        private final AtomicReference<Object> state = new AtomicReference<>();
        private Future<?> future;
        private Future<?> deadline;

        Ticket(Supplier<String> what, EventExecutor loop) {
            this.what = what;
            this.loop = loop;
        }

        /** On the worker (or at once when refused): the call's outcome. */
        private void finished(Outcome o) {
            while (true) {
                Object s = state.get();
                if (s instanceof Outcome) {
                    return; // answered FAIL at the deadline already: the late result is discarded
                }
                if (state.compareAndSet(s, o)) {
                    served.incrementAndGet();
                    if (s != null) {
                        @SuppressWarnings("unchecked")
                        Consumer<Outcome> waiting = (Consumer<Outcome>) s;
                        loop.execute(() -> deliver(waiting, o));
                    }
                    return;
                }
            }
        }

        /** On the loop: {@code done} gets the outcome, now if it is in, else as soon as it is. */
        public void onDone(Consumer<Outcome> done) {
            Object s = state.get();
            if (s == null && state.compareAndSet(null, done)) {
                return;
            }
            deliver(done, (Outcome) state.get());
        }

        private void deliver(Consumer<Outcome> done, Outcome o) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            done.accept(o);
        }

        /** On the loop, at the deadline: FAIL, and the worker is interrupted. */
        private void expire() {
            while (true) {
                Object s = state.get();
                if (s instanceof Outcome) {
                    return;
                }
                if (state.compareAndSet(s, Outcome.TIMED_OUT)) {
                    timedOut.incrementAndGet();
                    Logger.error("{} failed: the hypervisor did not answer within {} s", what.get(),
                            timeout.toSeconds());
                    future.cancel(true);
                    if (s != null) {
                        @SuppressWarnings("unchecked")
                        Consumer<Outcome> waiting = (Consumer<Outcome>) s;
                        waiting.accept(Outcome.TIMED_OUT);
                    }
                    return;
                }
            }
        }

        /**
         * The outcome is not wanted any more (its connection is gone, or a newer call replaces it): a call that
         * is over stops its deadline now; one still running keeps it, so a hung call is still interrupted.
         */
        public void release() {
            if (deadline != null && state.get() instanceof Outcome) {
                deadline.cancel(false);
            }
        }
    }

    /**
     * Runs {@code call} on a worker and waits for it, for a listener whose connection has no event loop (vsock,
     * serial): the outcome, or FAIL at the deadline or when no worker is free.
     */
    public Outcome call(Supplier<String> what, Call call) {
        Future<Outcome> f;
        try {
            f = workers.submit(() -> run(what, call, running));
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            Logger.error("{} refused: all {} workers wait on the hypervisor", what.get(), workers.getMaximumPoolSize());
            return Outcome.BUSY;
        }
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            timedOut.incrementAndGet();
            Logger.error("{} failed: the hypervisor did not answer within {} s", what.get(), timeout.toSeconds());
            return Outcome.TIMED_OUT;
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
    private static Outcome run(Supplier<String> what, Call call, AtomicInteger running) {
        running.incrementAndGet();
        try {
            return call.run();
        } catch (InterruptedException e) {
            return Outcome.FAIL;
        } catch (Exception e) {
            Logger.error("{} failed: {}", what.get(), e.getMessage());
            return Outcome.FAIL;
        } catch (Error e) {
            // JNA reports a crash inside the hypervisor library as an Error: the request fails, the gateway stays
            Logger.error(e, "{} failed inside the hypervisor library", what.get());
            return Outcome.FAIL;
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
