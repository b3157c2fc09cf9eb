package dev.palisade.supervisor.node;

/**
 * Time and scheduling of one node's decision loop: in production a {@link LoopThread}, in the simulation
 * virtual time. Everything posted or scheduled runs on the loop, one task at a time, in order.
 */
public interface Scheduler {
    /** Monotonic time, for timers and ages. */
    long nanos();

    /** The wall clock, for what operators read (transition times); never for decisions. */
    long wallMillis();

    /** Runs {@code task} on the loop soon; callable from any thread. */
    void post(Runnable task);

    /** Runs {@code task} on the loop after {@code delayMillis}; callable from any thread. */
    Timer schedule(long delayMillis, Runnable task);

    /** A scheduled task that may still be cancelled. */
    interface Timer {
        void cancel();
    }
}
