package dev.palisade.fence.listener;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One TCP conversation with a fence client under an absolute deadline: every read waits at most until
 * the deadline, so a client that trickles one byte a second (slow-loris) is cut off on time.
 */
public final class StreamSession implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private long deadlineNanos;

    public StreamSession(Socket socket, long deadlineNanos) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.deadlineNanos = deadlineNanos;
    }

    public Socket socket() {
        return socket;
    }

    /** Moves the deadline (each phase of the exchange gets its own budget). */
    public void deadline(long nanos) {
        this.deadlineNanos = nanos;
    }

    /** Reads exactly {@code n} bytes before the deadline. */
    public byte[] readFully(int n) throws IOException {
        byte[] buf = new byte[n];
        int got = 0;
        while (got < n) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline passed after " + got + " of " + n + " bytes");
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int r;
            try {
                r = in.read(buf, got, n - got);
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("deadline passed after " + got + " of " + n + " bytes");
            }
            if (r < 0) {
                throw new EOFException("peer closed after " + got + " of " + n + " bytes");
            }
            got += r;
        }
        return buf;
    }

    public void write(byte[] b) throws IOException {
        out.write(b);
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell the peer
        }
    }
}
