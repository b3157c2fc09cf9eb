package dev.palisade.fence.transport;

import dev.palisade.fence.ExitCode;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;
import org.tinylog.Logger;

/**
 * The one place threads are made, for event loops, request workers and housekeeping alike: named by their
 * role, daemon threads, and fatal when they die. A thread that dies of an uncaught exception leaves a process
 * that only looks alive, so the process exits with 111 and systemd starts a whole one (a listener that can no
 * longer serve is handled apart: the daemon re-opens it, and exits only when that fails).
 */
public final class FenceThreads {
    private FenceThreads() {
    }

    /** A factory of threads named {@code fence-ROLE-POOL-N}. */
    public static ThreadFactory factory(String role) {
        return new Factory("fence-" + role);
    }

    private static final class Factory extends DefaultThreadFactory {
        Factory(String name) {
            super(name, true);
        }

        @Override
        protected Thread newThread(Runnable r, String name) {
            Thread t = super.newThread(r, name);
            t.setUncaughtExceptionHandler(FenceThreads::died);
            return t;
        }
    }

    static void died(Thread t, Throwable e) {
        Logger.error(e, "thread {} died: {}; exiting with {} so that the service is restarted whole", t.getName(), e,
                ExitCode.SYSTEM);
        // not on the dying thread: System.exit waits for the shutdown hooks, and they wait for the threads
        Thread exit = new Thread(() -> System.exit(ExitCode.SYSTEM), "fence-exit");
        exit.setDaemon(false);
        exit.start();
    }
}
