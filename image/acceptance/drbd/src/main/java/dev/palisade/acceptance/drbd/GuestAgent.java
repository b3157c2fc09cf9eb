package dev.palisade.acceptance.drbd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The host's end of an appliance's lab agent (guest/usr/local/sbin/lab-agent) on a virtio-serial port that QEMU
 * serves as a Unix socket. One request at a time: "ID SECONDS BASE64(script)", answered "ID EXIT BASE64(output)".
 * The guest kills the script at its deadline; the host gives up a little later, drops the connection (a late
 * answer then never mixes with the next one) and reports the appliance unreachable. An appliance that is off
 * has no socket: every call then fails at once.
 */
final class GuestAgent implements AutoCloseable {
    /** The answer: the script's exit code and its output (stdout and stderr). */
    record Reply(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** The appliance did not answer: off, booting, or the script outlived its deadline. */
    static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    private static final String EOF = "\u0000eof";

    private final String name;
    private final Path socket;
    private SocketChannel channel;
    private BlockingQueue<String> lines;
    private long nextId = 1;

    GuestAgent(String name, Path socket) {
        this.name = name;
        this.socket = socket;
    }

    /** Runs {@code script} under bash in the appliance, killed there after {@code timeout}. */
    synchronized Reply run(String script, Duration timeout) throws Unreachable {
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        long id = nextId++;
        try {
            connect();
            String request = id + " " + seconds + " "
                    + Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8)) + "\n";
            ByteBuffer b = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            long deadline = System.nanoTime() + (seconds + 10) * 1_000_000_000L;
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new Unreachable(name + ": no answer within " + (seconds + 10) + " s to: " + firstLine(script));
                }
                if (line.equals(EOF)) {
                    throw new Unreachable(name + ": the agent's connection closed (powered off or rebooting)");
                }
                String[] f = line.split(" ", 3);
                if (f.length >= 2 && f[0].equals(String.valueOf(id))) {
                    String out = f.length == 3 ? new String(Base64.getDecoder().decode(f[2].strip()), StandardCharsets.UTF_8) : "";
                    return new Reply(Integer.parseInt(f[1]), out);
                }
                // an answer to an earlier request that timed out here: dropped
            }
        } catch (Unreachable e) {
            disconnect();
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            disconnect();
            throw new Unreachable(name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            disconnect();
            throw new Unreachable(name + ": interrupted");
        }
    }

    private static String firstLine(String script) {
        String s = script.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    private void connect() throws IOException {
        if (channel != null && channel.isOpen()) {
            return;
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("no agent socket (" + e.getMessage() + "): the appliance is off");
        }
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.US_ASCII))) {
                for (String l; (l = r.readLine()) != null; ) {
                    q.add(l);
                }
            } catch (IOException ignored) {
                // closed: the appliance went off, or we dropped the connection
            }
            q.add(EOF);
        }, "agent-" + name);
        reader.setDaemon(true);
        reader.start();
        channel = ch;
        lines = q;
    }

    private void disconnect() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
            channel = null;
        }
    }

    @Override
    public synchronized void close() {
        disconnect();
    }
}
