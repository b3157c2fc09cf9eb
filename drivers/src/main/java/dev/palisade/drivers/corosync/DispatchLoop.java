package dev.palisade.drivers.corosync;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The one thread of one library handle. It opens the handle, then polls the handle's fd and a wake-up pipe: on
 * the fd it dispatches (the callbacks run on this thread), on the pipe it runs the calls other threads queued.
 * Every call on the handle therefore runs on this thread (the library is never entered from two threads at
 * once), and every caller waits with a deadline: a corosync that stops answering fails the call with a
 * {@link CorosyncException} instead of hanging the caller.
 *
 * <p>The thread has a 4 MiB stack: {@code votequorum_dispatch} and {@code cpg_dispatch} put their 1 MiB receive
 * buffer ({@code IPC_DISPATCH_SIZE}) on the C stack, and on a thread with Java's default 1 MiB stack the JVM dies
 * with SIGSEGV and no hs_err file. When corosync closes the connection (POLLHUP, or a dispatch that fails) the
 * handle is finalized and the owner told once through {@code closed}.
 */
final class DispatchLoop {
    static final long STACK_BYTES = 4L << 20;
    /** How long poll waits when nothing happens; only bounds how late a stop is noticed after a lost wake-up. */
    private static final int POLL_MILLIS = 1000;

    /** An opened handle: its fd, one dispatch of everything pending, and finalize. */
    interface Session {
        int fd();

        int dispatch();

        void finish();

        /** A handle's session: its file descriptor, its dispatch call and its finalize call. */
        static Session of(java.util.function.IntSupplier fd, java.util.function.IntSupplier dispatch,
                          Runnable finish) {
            return new Session() {
                @Override
                public int fd() {
                    return fd.getAsInt();
                }

                @Override
                public int dispatch() {
                    return dispatch.getAsInt();
                }

                @Override
                public void finish() {
                    finish.run();
                }
            };
        }
    }

    interface Opener {
        Session open() throws CorosyncException;
    }

    interface NativeCall<T> {
        T call() throws CorosyncException;
    }

    private final String name;
    private final Duration deadline;
    private final Consumer<String> closed;
    private final ConcurrentLinkedQueue<Queued> calls = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final int[] wake = new int[2];
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicReference<Throwable> callbackFailure;
    private boolean pipeClosed;

    /** A call waiting for the thread: run it there, or fail it when the handle is gone. */
    private record Queued(Runnable run, Consumer<CorosyncException> fail) {
    }

    private DispatchLoop(String name, Duration deadline, Opener opener, Consumer<String> closed,
                         AtomicReference<Throwable> callbackFailure) {
        this.name = name;
        this.callbackFailure = callbackFailure;
        this.deadline = deadline;
        this.closed = closed;
        this.thread = new Thread(null, () -> run(opener), name, STACK_BYTES);
        thread.setDaemon(true);
    }

    /**
     * Starts the thread and opens the handle on it; returns once it is open (or throws, the thread gone). JNA
     * swallows what a callback throws, so callbacks catch their own unexpected exceptions (bugs) into
     * {@code callbackFailure}; the loop ends after that dispatch and tells the owner.
     */
    static DispatchLoop start(String name, Duration deadline, Opener opener, Consumer<String> closed,
                              AtomicReference<Throwable> callbackFailure) throws CorosyncException {
        DispatchLoop loop = new DispatchLoop(name, deadline, opener, closed, callbackFailure);
        try {
            Posix.pipe2(loop.wake, Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new CorosyncException(name + ": pipe2: errno " + e.getErrorCode());
        }
        loop.thread.start();
        loop.await(loop.opened, "opening");
        return loop;
    }

    /** Runs {@code call} on this handle's thread and waits for it at most the deadline. */
    <T> T call(String what, NativeCall<T> call) throws CorosyncException {
        if (Thread.currentThread() == thread) {
            return call.call();
        }
        if (!running) {
            throw new CorosyncException(name + ": " + what + ": the connection to corosync is closed");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        calls.add(new Queued(() -> {
            try {
                result.complete(call.call());
            } catch (CorosyncException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, result::completeExceptionally));
        wakeUp();
        return await(result, what);
    }

    private <T> T await(CompletableFuture<T> f, String what) throws CorosyncException {
        try {
            return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CorosyncException(name + ": " + what + " did not return within " + deadline.toMillis()
                    + " ms (corosync is not answering)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CorosyncException c) {
                throw c;
            }
            throw new CorosyncException(name + ": " + what + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorosyncException(name + ": " + what + ": interrupted");
        }
    }

    private synchronized void wakeUp() {
        if (pipeClosed) {
            return;
        }
        try {
            Posix.write(wake[1], new byte[] {1}, 1);
        } catch (LastErrorException e) {
            // EAGAIN: the pipe is full, so the loop is already due to wake
        }
    }

    private void run(Opener opener) {
        Session session;
        try {
            session = opener.open();
        } catch (CorosyncException | RuntimeException | LinkageError e) {
            running = false;
            closePipe();
            opened.completeExceptionally(e instanceof CorosyncException ? e : new CorosyncException(name + ": " + e));
            ended.complete(null);
            return;
        }
        opened.complete(null);
        String reason = null;
        try {
            reason = loop(session);
        } catch (RuntimeException | Error e) {
            reason = "dispatch thread failed: " + e;
            throw e;
        } finally {
            running = false;
            session.finish();
            closePipe();
            Queued q;
            while ((q = calls.poll()) != null) {
                q.fail().accept(new CorosyncException(name + ": the connection to corosync is closed"));
            }
            ended.complete(null);
            if (reason != null) {
                closed.accept(reason);
            }
        }
    }

    /** Polls until stopped (null) or until the connection ends (the reason). */
    private String loop(Session session) {
        Memory fds = new Memory(16); // struct pollfd[2]: {int fd; short events; short revents;}
        byte[] drain = new byte[64];
        while (running) {
            fds.setInt(0, session.fd());
            fds.setShort(4, Posix.POLLIN);
            fds.setShort(6, (short) 0);
            fds.setInt(8, wake[0]);
            fds.setShort(12, Posix.POLLIN);
            fds.setShort(14, (short) 0);
            try {
                Posix.poll(fds, 2, POLL_MILLIS);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EINTR) {
                    continue;
                }
                return "poll: errno " + e.getErrorCode();
            }
            short wakeEvents = fds.getShort(14);
            if ((wakeEvents & Posix.POLLIN) != 0) {
                try {
                    while (Posix.read(wake[0], drain, drain.length) > 0) {
                        // drained
                    }
                } catch (LastErrorException e) {
                    // EAGAIN: empty
                }
            }
            Queued q;
            while ((q = calls.poll()) != null) {
                q.run().run();
            }
            short events = fds.getShort(6);
            if ((events & Posix.POLLIN) != 0) {
                int rc = session.dispatch();
                Throwable failed = callbackFailure.get();
                if (failed != null) {
                    Logger.error(failed, "corosync {}: a callback failed", name);
                    return "a callback failed: " + failed;
                }
                if (rc != CsError.OK.code() && rc != CsError.TRY_AGAIN.code()) {
                    return "dispatch: " + CsError.describe(rc) + " (corosync went away)";
                }
            } else if ((events & (Posix.POLLHUP | Posix.POLLERR | Posix.POLLNVAL)) != 0) {
                return "corosync closed the connection";
            }
        }
        return null;
    }

    private synchronized void closePipe() {
        pipeClosed = true;
        for (int fd : wake) {
            try {
                Posix.close(fd);
            } catch (LastErrorException ignored) {
                // closing is all that was wanted
            }
        }
    }

    boolean running() {
        return running;
    }

    /** Stops the thread, which finalizes the handle; waits at most the deadline. */
    void stop() {
        if (Thread.currentThread() == thread) {
            running = false;
            return;
        }
        running = false;
        wakeUp();
        try {
            ended.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Logger.warn("corosync {}: the dispatch thread did not stop within {} ms", name, deadline.toMillis());
        } catch (ExecutionException e) {
            Logger.warn("corosync {}: {}", name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
