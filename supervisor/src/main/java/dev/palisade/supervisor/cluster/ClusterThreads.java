package dev.palisade.supervisor.cluster;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.tinylog.Logger;

/**
 * The cluster node's threads, and the rule they share: a thread that dies, or a task that fails with an
 * unexpected exception, takes the process down (systemd restarts it). A half-alive node that still says it is
 * healthy would keep a VIP it no longer guards; a restarted one starts released and recovers its state.
 */
final class ClusterThreads {
    private ClusterThreads() {
    }

    static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(() -> guarded(name, r), "cluster-" + name);
            t.setDaemon(true);
            return t;
        };
    }

    static ScheduledExecutorService loop(String name) {
        return Executors.newSingleThreadScheduledExecutor(named(name));
    }

    static ExecutorService worker(String name) {
        return Executors.newSingleThreadExecutor(named(name));
    }

    /** Runs {@code task}; an unexpected exception ends the process. */
    static void guarded(String name, Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            fatal(name, t);
        }
    }

    static Runnable guard(String name, Runnable task) {
        return () -> guarded(name, task);
    }

    static void fatal(String where, Throwable t) {
        try {
            Logger.error(t, "cluster: {} failed; the process exits so that systemd restarts it", where);
        } finally {
            Runtime.getRuntime().halt(111);
        }
    }
}
