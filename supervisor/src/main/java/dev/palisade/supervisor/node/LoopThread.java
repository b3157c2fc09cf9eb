package dev.palisade.supervisor.node;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node loop's thread in production: posted tasks and due timers run one at a time, in order. A task that
 * throws anything is fatal ({@link FatalHandler}): the loop decides takeovers, and a loop that dies or goes
 * on after an unexpected failure must not leave the process announcing a healthy state. Each turn reports
 * to {@link #turns()}, which the service watchdog follows: a hung loop stops the keepalives.
 */
public final class LoopThread implements Scheduler, AutoCloseable {
    /** The longest the loop sleeps without a task, so the watchdog sees it turn. */
    private static final long IDLE_TURN_NANOS = 200_000_000L;

    private final DelayQueue<Task> queue = new DelayQueue<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong turns = new AtomicLong();
    private final FatalHandler fatal;
    private final Thread thread;
    /** Runs on the loop after every turn: the service watchdog's keepalive proves the loop turns. */
    private volatile Runnable onTurn = () -> { };
    private volatile boolean closed;

    private final class Task implements Delayed, Timer {
        final long due;
        final long order = seq.incrementAndGet();
        final Runnable work;
        volatile boolean cancelled;

        Task(long due, Runnable work) {
            this.due = due;
            this.work = work;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task t = (Task) o;
            return due != t.due ? Long.compare(due, t.due) : Long.compare(order, t.order);
        }

        @Override
        public void cancel() {
            cancelled = true;
            queue.remove(this);
        }
    }

    public LoopThread(String name, FatalHandler fatal) {
        this.fatal = fatal;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.setUncaughtExceptionHandler((t, e) -> fatal.die(t.getName(), e));
    }

    public void start() {
        thread.start();
    }

    /** {@code r} runs on the loop thread after every turn (a task, or an idle wake-up at least every 200 ms). */
    public void onTurn(Runnable r) {
        this.onTurn = r;
    }

    public Thread thread() {
        return thread;
    }

    /** How many times the loop has turned (run a task or woken idle); stops growing when it hangs or dies. */
    public long turns() {
        return turns.get();
    }

    public boolean onLoop() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        while (!closed) {
            Task t;
            try {
                t = queue.poll(IDLE_TURN_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            turns.incrementAndGet();
            try {
                if (t != null && !t.cancelled && !closed) {
                    t.work.run();
                }
                onTurn.run();
            } catch (Throwable e) {
                closed = true;
                fatal.die(thread.getName(), e);
                return;
            }
        }
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public long wallMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public void post(Runnable task) {
        if (!closed) {
            queue.add(new Task(System.nanoTime(), task));
        }
    }

    @Override
    public Timer schedule(long delayMillis, Runnable task) {
        Task t = new Task(System.nanoTime() + delayMillis * 1_000_000L, task);
        if (!closed) {
            queue.add(t);
        }
        return t;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
