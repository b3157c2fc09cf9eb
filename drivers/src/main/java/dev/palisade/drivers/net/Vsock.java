package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * AF_VSOCK stream sockets through libc (JNA direct mapping): a listening socket on a port of any CID, and
 * accepted connections with the caller's CID. Blocking calls have deadlines: accept is woken by shutdown,
 * and reads time out through SO_RCVTIMEO.
 */
public final class Vsock {
    static final int AF_VSOCK = 40;
    static final int SOCK_STREAM = 1;
    static final int SO_SNDTIMEO = 21;
    static final int SHUT_RDWR = 2;
    static final short POLLIN = 1;
    /** SO_VM_SOCKETS_CONNECT_TIMEOUT (linux/vm_sockets.h), at level AF_VSOCK. */
    static final int SO_VM_SOCKETS_CONNECT_TIMEOUT = 6;
    /** VMADDR_PORT_ANY. */
    public static final int PORT_ANY = -1;
    /** VMADDR_CID_ANY. */
    public static final int CID_ANY = -1;

    private Vsock() {
    }

    /** struct sockaddr_vm: family, reserved, port, cid, flags, zero[3] (16 bytes, native order). */
    static byte[] address(int cid, int port) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putShort((short) AF_VSOCK).putShort((short) 0)
                .putInt(port).putInt(cid).array();
    }

    static int cidOf(byte[] addr) {
        return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(8);
    }

    static int portOf(byte[] addr) {
        return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(4);
    }

    /** A new AF_VSOCK stream socket. */
    static int openSocket() throws IOException {
        try {
            return Libc.socket(AF_VSOCK, SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw error("vsock socket (is the vsock module loaded? no /dev/vsock?)", e);
        }
    }

    static IOException error(String what, LastErrorException e) {
        return new IOException(what + ": errno " + e.getErrorCode() + " (" + e.getMessage() + ")");
    }

    /** A listening vsock socket. */
    public static final class Server implements AutoCloseable {
        private final int fd;
        private final int port;
        private volatile boolean closed;

        private Server(int fd, int port) {
            this.fd = fd;
            this.port = port;
        }

        /** Binds {@code port} (or any free port for {@link #PORT_ANY}) on every CID of this machine and listens. */
        public static Server listen(int port, int backlog) throws IOException {
            int fd = openSocket();
            try {
                Libc.bind(fd, address(CID_ANY, port), 16);
                Libc.listen(fd, backlog);
                byte[] a = new byte[16];
                Libc.getsockname(fd, a, new int[] {16});
                return new Server(fd, portOf(a));
            } catch (LastErrorException e) {
                Libc.close(fd);
                throw error("vsock bind/listen on port " + port, e);
            }
        }

        public int port() {
            return port;
        }

        /**
         * Waits for a caller; throws once the server is closed. Closing a vsock socket does not wake a
         * thread blocked in accept, so the wait is a poll that looks at the closed flag every 100 ms.
         */
        public Connection accept() throws IOException {
            byte[] pfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(fd).putShort(POLLIN).array();
            while (true) {
                if (closed) {
                    throw new IOException("vsock server closed");
                }
                try {
                    if (Libc.poll(pfd, 1, 100) <= 0) {
                        continue;
                    }
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Libc.EINTR) {
                        continue;
                    }
                    throw error("vsock poll", e);
                }
                if (closed) {
                    throw new IOException("vsock server closed");
                }
                byte[] a = new byte[16];
                int[] len = {16};
                try {
                    int c = Libc.accept(fd, a, len);
                    return new Connection(c, cidOf(a));
                } catch (LastErrorException e) {
                    throw error(closed ? "vsock server closed" : "vsock accept", e);
                }
            }
        }

        /** Stops accepting; the descriptor is released once no accept can be using it. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                Thread.sleep(150); // one poll period: the accepting thread sees the flag before the fd goes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // already closed
            }
        }
    }

    /** Connects to {@code cid:port}, giving up after {@code timeoutMillis}. */
    public static Connection connect(int cid, int port, long timeoutMillis) throws IOException {
        int fd = openSocket();
        Connection c = new Connection(fd, cid);
        try {
            Libc.setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, Libc.timeval(timeoutMillis), 16);
            Libc.connect(fd, address(cid, port), 16);
            return c;
        } catch (LastErrorException e) {
            c.close();
            throw error("vsock connect to cid " + cid + " port " + port, e);
        }
    }

    /** An accepted connection, with the caller's CID. */
    public static final class Connection implements java.io.Closeable {
        private final int fd;
        private final int peerCid;
        private volatile boolean closed;

        Connection(int fd, int peerCid) {
            this.fd = fd;
            this.peerCid = peerCid;
        }

        public int peerCid() {
            return peerCid;
        }

        /** Reads and writes give up after {@code millis} (SO_RCVTIMEO / SO_SNDTIMEO). */
        public void timeout(long millis) throws IOException {
            byte[] tv = Libc.timeval(millis);
            try {
                Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16);
                Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_SNDTIMEO, tv, 16);
            } catch (LastErrorException e) {
                throw error("vsock timeout", e);
            }
        }

        public InputStream input() {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] b = new byte[1];
                    return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    byte[] buf = off == 0 ? b : new byte[len];
                    long n;
                    try {
                        n = Libc.read(fd, buf, len);
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() == Libc.EAGAIN) {
                            throw new SocketTimeoutException("vsock read timed out");
                        }
                        throw error("vsock read", e);
                    }
                    if (n == 0) {
                        return -1;
                    }
                    if (off != 0) {
                        System.arraycopy(buf, 0, b, off, (int) n);
                    }
                    return (int) n;
                }
            };
        }

        public OutputStream output() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    byte[] buf = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off, off + len);
                    int done = 0;
                    while (done < len) {
                        byte[] rest = done == 0 ? buf : java.util.Arrays.copyOfRange(buf, done, len);
                        try {
                            done += (int) Libc.write(fd, rest, rest.length);
                        } catch (LastErrorException e) {
                            throw error("vsock write", e);
                        }
                    }
                }
            };
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                Libc.shutdown(fd, SHUT_RDWR);
            } catch (LastErrorException ignored) {
                // peer gone already
            }
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // already closed
            }
        }
    }
}
