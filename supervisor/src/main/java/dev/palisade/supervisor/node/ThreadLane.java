package dev.palisade.supervisor.node;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A {@link Lane} on its own thread: calls run one at a time; an exception is the call's result; an Error
 * (the JVM or a native library in trouble) is fatal, through the thread's uncaught-exception handler.
 */
public final class ThreadLane implements Lane, AutoCloseable {
    private final ExecutorService executor;
    private final Scheduler loop;

    public ThreadLane(String name, Scheduler loop, FatalHandler fatal) {
        this.loop = loop;
        this.executor = Executors.newSingleThreadExecutor(FatalHandler.threads(name, Thread.NORM_PRIORITY + 2, fatal));
    }

    @Override
    public <T> void call(Callable<T> work, Done<T> done) {
        executor.execute(() -> {
            T value = null;
            Exception failure = null;
            try {
                value = work.call();
            } catch (Exception e) {
                failure = e;
            }
            T v = value;
            Exception f = failure;
            loop.post(() -> done.accept(v, f));
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
