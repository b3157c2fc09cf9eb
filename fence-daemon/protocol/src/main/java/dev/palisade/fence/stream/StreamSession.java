package dev.palisade.fence.stream;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One conversation with a fence client under an absolute deadline. Over TCP every read waits at most
 * until the deadline, so a client that trickles one byte a second (slow-loris) is cut off on time. Over a
 * VM's serial or vmchannel socket reads block (the socket belongs to that VM alone), and the dispatcher's
 * watchdog closes the stream when the deadline passes.
 */
public final class StreamSession implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Closeable closer;
    private long deadlineNanos;

    public StreamSession(Socket socket, long deadlineNanos) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.closer = socket;
        this.deadlineNanos = deadlineNanos;
    }

    /** Closes stream sessions whose read outlives its deadline (a stream has no read timeout of its own). */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor EXPIRY;

    static {
        EXPIRY = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                dev.palisade.fence.transport.FenceThreads.factory("stream-deadline"));
        EXPIRY.setRemoveOnCancelPolicy(true);
    }

    /**
     * A stream without read timeouts (a VM's serial or vmchannel socket): a read still waiting at the
     * deadline gets the stream closed under it by {@code closer}. The deadline starts unset (no limit).
     */
    public StreamSession(InputStream in, OutputStream out, Closeable closer) {
        this.socket = null;
        this.in = in;
        this.out = out;
        this.closer = closer;
        this.deadlineNanos = Long.MAX_VALUE;
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
            got += readOnce(buf, got, n - got, got, n);
        }
        return buf;
    }

    /** Reads what has arrived, at least one byte and at most {@code max}, before the deadline. */
    public byte[] readSome(int max) throws IOException {
        byte[] buf = new byte[max];
        int n = readOnce(buf, 0, max, 0, max);
        return java.util.Arrays.copyOf(buf, n);
    }

    /** One read of up to {@code len} bytes under the deadline; {@code got} and {@code of} only word the errors. */
    private int readOnce(byte[] buf, int off, int len, int got, int of) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (deadlineNanos != Long.MAX_VALUE && left <= 0) {
            throw new SocketTimeoutException("deadline passed after " + got + " of " + of + " bytes");
        }
        java.util.concurrent.ScheduledFuture<?> expiry = null;
        if (socket != null) {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        } else if (deadlineNanos != Long.MAX_VALUE) {
            expiry = EXPIRY.schedule(this::close, left, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        int r;
        try {
            r = in.read(buf, off, len);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("deadline passed after " + got + " of " + of + " bytes");
        } catch (IOException e) {
            if (expiry != null && expiry.isDone()) {
                throw new SocketTimeoutException("deadline passed after " + got + " of " + of + " bytes");
            }
            throw e;
        } finally {
            if (expiry != null) {
                expiry.cancel(false);
            }
        }
        if (r < 0) {
            throw new EOFException("peer closed after " + got + " of " + of + " bytes");
        }
        return r;
    }

    /** Writes and flushes. */
    public void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell the peer
        }
    }
}
