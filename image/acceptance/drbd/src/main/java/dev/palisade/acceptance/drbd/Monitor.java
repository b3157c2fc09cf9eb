package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * QEMU's human monitor on a Unix socket: one command per connection (the lab uses {@code set_link}, the cable
 * of a NIC pulled or plugged: the guest sees its carrier go and DRBD and the heartbeats lose that link).
 */
final class Monitor {
    private static final String PROMPT = "(qemu) ";

    private Monitor() {
    }

    /** Runs one monitor command; its output. Fails when QEMU is not running or does not answer within 10 s. */
    static String command(Path socket, String command) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = Channels.newInputStream(ch);
                    readUntilPrompt(in);
                    ByteBuffer b = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII));
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    return readUntilPrompt(in);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                return answer.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IOException("QEMU's monitor " + socket + " did not answer '" + command + "' within 10 s");
            } catch (ExecutionException e) {
                throw new IOException("QEMU's monitor " + socket + ": " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        } finally {
            ch.close();
        }
    }

    private static String readUntilPrompt(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() >= PROMPT.length() && sb.lastIndexOf(PROMPT) == sb.length() - PROMPT.length()) {
                return sb.substring(0, sb.length() - PROMPT.length());
            }
        }
        throw new IOException("the monitor closed");
    }
}
