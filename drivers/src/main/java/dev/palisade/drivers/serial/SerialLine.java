package dev.palisade.drivers.serial;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Locale;
import jssc.SerialPort;
import jssc.SerialPortException;

/**
 * A serial line (jssc) as a pair of streams, opened by explicit path (a /dev/ttyS device or a
 * pseudo-terminal). Reads wait for data by polling the input count every {@link #POLL_MS} ms with a
 * deadline, because jssc's own timed read spins a whole core while it waits.
 */
public final class SerialLine implements java.io.Closeable {
    static final long POLL_MS = 2;

    private final SerialPort port;
    private volatile long deadlineNanos = Long.MAX_VALUE;

    private SerialLine(SerialPort port) {
        this.port = port;
    }

    /**
     * Opens {@code device} with fence_virt's parameter syntax, e.g. {@code "115200,8N1"} (baud, data bits,
     * parity N/E/O, stop bits).
     */
    public static SerialLine open(String device, String params) throws IOException {
        int[] p = parse(params);
        SerialPort port = new SerialPort(device);
        try {
            port.openPort();
            port.setParams(p[0], p[1], p[3], p[2]);
            return new SerialLine(port);
        } catch (SerialPortException e) {
            try {
                port.closePort();
            } catch (SerialPortException ignored) {
                // it never opened
            }
            throw new IOException(device + ": " + e.getExceptionType(), e);
        }
    }

    /** {baud, data bits, parity (jssc code), stop bits}. */
    static int[] parse(String params) throws IOException {
        String s = params.trim().toUpperCase(Locale.ROOT);
        int comma = s.indexOf(',');
        try {
            int baud = Integer.parseInt(comma < 0 ? s : s.substring(0, comma));
            if (comma < 0) {
                return new int[] {baud, 8, SerialPort.PARITY_NONE, 1};
            }
            String f = s.substring(comma + 1);
            if (f.length() != 3) {
                throw new NumberFormatException();
            }
            int bits = f.charAt(0) - '0';
            int parity = switch (f.charAt(1)) {
                case 'N' -> SerialPort.PARITY_NONE;
                case 'E' -> SerialPort.PARITY_EVEN;
                case 'O' -> SerialPort.PARITY_ODD;
                default -> throw new NumberFormatException();
            };
            int stop = f.charAt(2) - '0';
            if (bits < 5 || bits > 8 || stop < 1 || stop > 2 || baud <= 0) {
                throw new NumberFormatException();
            }
            return new int[] {baud, bits, parity, stop};
        } catch (NumberFormatException e) {
            throw new IOException("serial parameters '" + params + "' are not like 115200,8N1");
        }
    }

    /** Reads after this instant fail with a timeout (each exchange sets its own). */
    public void deadline(long nanos) {
        this.deadlineNanos = nanos;
    }

    /** Drops DTR for {@code ms} and raises it again (fence_virt hangs up the line before a request). */
    public void hangUp(long ms) throws IOException, InterruptedException {
        try {
            port.setDTR(false);
            Thread.sleep(ms);
            port.setDTR(true);
        } catch (SerialPortException e) {
            // a pseudo-terminal has no modem lines; nothing to hang up
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
                try {
                    while (true) {
                        int avail = port.getInputBufferBytesCount();
                        if (avail > 0) {
                            byte[] got = port.readBytes(Math.min(avail, len));
                            System.arraycopy(got, 0, b, off, got.length);
                            return got.length;
                        }
                        if (System.nanoTime() - deadlineNanos > 0) {
                            throw new java.net.SocketTimeoutException("serial read deadline passed");
                        }
                        Thread.sleep(POLL_MS);
                    }
                } catch (SerialPortException e) {
                    throw new IOException(port.getPortName() + ": " + e.getExceptionType(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
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
                try {
                    byte[] chunk = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off, off + len);
                    if (!port.writeBytes(chunk)) {
                        throw new IOException(port.getPortName() + ": write failed");
                    }
                } catch (SerialPortException e) {
                    throw new IOException(port.getPortName() + ": " + e.getExceptionType(), e);
                }
            }
        };
    }

    @Override
    public void close() {
        try {
            port.closePort();
        } catch (SerialPortException ignored) {
            // already closed
        }
    }
}
