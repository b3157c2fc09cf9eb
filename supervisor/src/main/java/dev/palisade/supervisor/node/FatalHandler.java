package dev.palisade.supervisor.node;

/**
 * What happens when a thread of the supervisor dies (an Error, or an exception nothing expected): the process
 * must not stay half alive announcing a healthy state. Production stops the heartbeats at once and halts the
 * process with a non-zero code (systemd restarts it; the peer, hearing nothing, fences this node); tests record.
 */
@FunctionalInterface
public interface FatalHandler {
    void die(String where, Throwable cause);

    /** A thread factory whose threads hand anything uncaught to {@code fatal}. */
    static java.util.concurrent.ThreadFactory threads(String prefix, int priority, FatalHandler fatal) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            int i = n.incrementAndGet();
            Thread t = new Thread(r, i == 1 ? prefix : prefix + "-" + i);
            t.setDaemon(true);
            t.setPriority(priority);
            t.setUncaughtExceptionHandler((th, e) -> fatal.die(th.getName(), e));
            return t;
        };
    }
}
