package dev.palisade.supervisor.node;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * The supervisor's local control socket (a Unix socket, mode 0600: root only): one command line in, the
 * answer out, then the connection closes. A client that sends nothing within 5 s is dropped. It is also the
 * lock that keeps a second supervisor of the same configuration from starting: an exclusive lock on
 * {@code SOCKET.lock}, which the kernel releases when the process dies, however it dies, so two supervisors
 * started together can never both pass.
 */
public final class ControlSocket implements AutoCloseable {
    static final int MAX_LINE = 256;
    private static final long DEADLINE_MILLIS = 5000;

    private final Path path;
    private final ServerSocketChannel server;
    private final java.nio.channels.FileChannel lockFile;
    private final java.nio.channels.FileLock lock;
    private final Function<String, String> handler;
    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "control");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "control-deadline");
        t.setDaemon(true);
        return t;
    });
    private final Thread acceptor;
    private volatile FatalHandler fatal = (where, e) -> Logger.error(e, "control socket: {} died", where);

    private ControlSocket(Path path, ServerSocketChannel server, java.nio.channels.FileChannel lockFile,
                          java.nio.channels.FileLock lock, Function<String, String> handler) {
        this.path = path;
        this.server = server;
        this.lockFile = lockFile;
        this.lock = lock;
        this.handler = handler;
        this.acceptor = new Thread(this::accept, "control-accept");
        acceptor.setDaemon(true);
        acceptor.setUncaughtExceptionHandler((t, e) -> fatal.die(t.getName(), e));
    }

    /** Where a control socket that can no longer accept goes (the supervisor: the process goes down). */
    public ControlSocket onDeath(FatalHandler f) {
        this.fatal = f;
        return this;
    }

    /**
     * Takes the lock, then listens on {@code path} (a stale socket file from an earlier run is replaced: with
     * the lock held, nobody else can be using it).
     */
    public static ControlSocket open(Path path, Function<String, String> handler) throws IOException {
        return open(path, null, handler);
    }

    /**
     * As {@link #open(Path, Function)}; with {@code group} (the configuration's {@code control_group}) the socket is
     * mode 0660 and owned by that group, so an operator account in it (the serial console's admin) may use it.
     */
    public static ControlSocket open(Path path, String group, Function<String, String> handler) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Path lockPath = path.resolveSibling(path.getFileName() + ".lock");
        java.nio.channels.FileChannel lockFile = java.nio.channels.FileChannel.open(lockPath,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException held) {
            lock = null; // this process already holds it
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException(path + ": another supervisor answers on this control socket (it holds " + lockPath
                    + ")");
        }
        try {
            Files.deleteIfExists(path);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
            if (group == null) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } else {
                try {
                    Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(
                            path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
                } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                    s.close();
                    throw new IOException("control_group '" + group + "' is not a group of this system (create it:"
                            + " groupadd --system " + group + ")");
                }
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            }
            ControlSocket c = new ControlSocket(path, s, lockFile, lock, handler);
            c.acceptor.start();
            return c;
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockFile.close();
            throw e;
        }
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                workers.execute(() -> serve(ch));
            } catch (IOException e) {
                if (server.isOpen()) {
                    fatal.die("control-accept", e); // an operator could no longer reach the node
                }
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }, DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        try (ch) {
            String line = readLine(ch);
            deadline.cancel(false); // the command is in; running it may take longer (fence-peer waits for a fence)
            String answer = line == null ? "error: no command (one line of at most " + MAX_LINE + " bytes)"
                    : handler.apply(line.strip());
            ByteBuffer out = ByteBuffer.wrap((answer.endsWith("\n") ? answer : answer + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
        } catch (IOException e) {
            Logger.debug("control socket client: {}", e.getMessage());
        } finally {
            deadline.cancel(false);
        }
    }

    /** One line of at most MAX_LINE bytes; null if the client sent none. */
    static String readLine(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(MAX_LINE + 1);
        while (b.hasRemaining()) {
            int n = ch.read(b);
            if (n < 0) {
                break;
            }
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) == '\n') {
                    return new String(b.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        if (b.position() > MAX_LINE) {
            return null;
        }
        return b.position() == 0 ? null : new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** Sends one command to a supervisor's control socket and returns its answer (15 s at most). */
    public static String ask(Path path, String command) throws IOException {
        return ask(path, command, java.time.Duration.ofMillis(3 * DEADLINE_MILLIS));
    }

    /** As {@link #ask(Path, String)}, waiting at most {@code timeout} for the answer. */
    public static String ask(Path path, String command, java.time.Duration timeout) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(timeout.toMillis());
                    ch.close(); // the supervisor did not answer in time: fail the read
                } catch (InterruptedException | IOException done) {
                    // answered in time
                }
            }, "control-client-deadline");
            watchdog.setDaemon(true);
            watchdog.start();
            try {
                return exchange(ch, command);
            } finally {
                watchdog.interrupt();
            }
        }
    }

    private static String exchange(SocketChannel ch, String command) throws IOException {
        {
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (ch.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // the socket file is removed below either way
        }
        workers.shutdownNow();
        deadlines.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // nothing left to do
        }
        try {
            lock.release();
            lockFile.close();
        } catch (IOException ignored) {
            // the kernel drops the lock with the process anyway
        }
    }
}
