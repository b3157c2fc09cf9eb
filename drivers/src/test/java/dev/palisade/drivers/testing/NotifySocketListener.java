package dev.palisade.drivers.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The service manager's end of sd_notify(3) for tests: a datagram Unix socket (a file or an abstract name)
 * bound like systemd binds {@code /run/systemd/notify}, with {@code SO_PASSCRED} on so every message carries
 * its sender's PID, as systemd checks for {@code NotifyAccess=main}. Every datagram is kept with the time it
 * arrived. Written on its own (not on the notifier it tests); checked against the stock {@code systemd-notify}.
 */
public final class NotifySocketListener implements AutoCloseable {
    /** One datagram: when it arrived ({@link System#nanoTime()}), the sender's PID, and its text. */
    public record Message(long nanos, long pid, String text) {
        /** The assignments, in order (a repeated key keeps its last value). */
        public Map<String, String> fields() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return m;
        }

        public boolean has(String key) {
            return fields().containsKey(key);
        }

        public String get(String key) {
            return fields().get(key);
        }
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PASSCRED = 16;
    private static final int SO_RCVTIMEO = 20;
    private static final int SCM_CREDENTIALS = 2;

    /** JNA direct mapping of the calls a receiving end needs (Linux x86-64 / arm64 layouts below). */
    static final class Libc {
        static {
            Native.register(Libc.class, "c");
        }

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int bind(int fd, byte[] addr, int len) throws LastErrorException;

        static native int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        static native long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }

    private final String address;
    private final Path file;
    private final int fd;
    private final Thread reader;
    private final List<Message> messages = new ArrayList<>();
    private volatile boolean open = true;

    private NotifySocketListener(String address, Path file, int fd) {
        this.address = address;
        this.file = file;
        this.fd = fd;
        this.reader = new Thread(this::read, "notify-socket-listener");
        reader.setDaemon(true);
        reader.start();
    }

    /** Listens on a socket file at {@code path} (replaced if it exists). */
    public static NotifySocketListener bind(Path path) throws IOException {
        Files.deleteIfExists(path);
        byte[] name = path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        byte[] sa = new byte[2 + name.length + 1];
        sa[0] = AF_UNIX;
        System.arraycopy(name, 0, sa, 2, name.length);
        return new NotifySocketListener(path.toAbsolutePath().toString(), path, open(sa));
    }

    /** Listens on the abstract name {@code name} (NOTIFY_SOCKET is then {@code @name}). */
    public static NotifySocketListener bindAbstract(String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] sa = new byte[2 + 1 + n.length]; // family, the NUL that marks an abstract name, no trailing NUL
        sa[0] = AF_UNIX;
        System.arraycopy(n, 0, sa, 3, n.length);
        return new NotifySocketListener("@" + name, null, open(sa));
    }

    private static int open(byte[] sockaddr) throws IOException {
        try {
            int fd = Libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            Libc.bind(fd, sockaddr, sockaddr.length);
            Libc.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, new byte[] {1, 0, 0, 0}, 4);
            byte[] tv = new byte[16]; // struct timeval {0 s, 50,000 us}: the reader checks for close this often
            int us = 50_000;
            tv[8] = (byte) us;
            tv[9] = (byte) (us >> 8);
            tv[10] = (byte) (us >> 16);
            Libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length);
            return fd;
        } catch (LastErrorException e) {
            throw new IOException("notify listener: " + e.getMessage(), e);
        }
    }

    /** The value for {@code NOTIFY_SOCKET}. */
    public String address() {
        return address;
    }

    private void read() {
        int bufLen = 8192;
        try (Memory buf = new Memory(bufLen); Memory iov = new Memory(16); Memory control = new Memory(64);
                Memory msg = new Memory(56)) {
            while (open) {
                iov.setPointer(0, buf);
                iov.setLong(8, bufLen);
                msg.clear();
                msg.setPointer(16, iov);     // msg_iov
                msg.setLong(24, 1);          // msg_iovlen
                msg.setPointer(32, control); // msg_control
                msg.setLong(40, 64);         // msg_controllen
                long n;
                try {
                    n = Libc.recvmsg(fd, msg, 0);
                } catch (LastErrorException e) {
                    continue; // EAGAIN at the receive timeout: look at 'open' again
                }
                long pid = -1;
                long controlLen = msg.getLong(40);
                // struct cmsghdr {size_t len; int level; int type;} then struct ucred {pid, uid, gid}
                if (controlLen >= 28 && control.getInt(8) == SOL_SOCKET && control.getInt(12) == SCM_CREDENTIALS) {
                    pid = control.getInt(16);
                }
                String text = new String(buf.getByteArray(0, (int) n), StandardCharsets.UTF_8);
                synchronized (messages) {
                    messages.add(new Message(System.nanoTime(), pid, text));
                    messages.notifyAll();
                }
            }
        }
    }

    /** Every message so far. */
    public List<Message> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** The first message (from the start) that matches, waiting up to {@code timeout} for it. */
    public Optional<Message> await(Predicate<Message> match, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (true) {
                for (Message m : messages) {
                    if (match.test(m)) {
                        return Optional.of(m);
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                messages.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** The messages that carry {@code key}, in arrival order. */
    public List<Message> with(String key) {
        return messages().stream().filter(m -> m.has(key)).toList();
    }

    @Override
    public void close() throws IOException {
        open = false;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // already closed
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
