package dev.palisade.drivers.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A socat pty pair whose end {@link #line()} gets a real agetty on {@link #startGetty()}: the heartbeat serial
 * port with a login prompt left on it. Closing kills the agetty and socat (by PID) and their links go with them.
 */
public final class PtyGetty implements AutoCloseable {
    private final Process socat;
    private final Path line;
    private Process getty;

    private PtyGetty(Process socat, Path line) {
        this.socat = socat;
        this.line = line;
    }

    public static PtyGetty open(Path dir) throws IOException, InterruptedException {
        Commands.require("socat");
        Commands.require("agetty");
        Path a = dir.resolve("ttyA");
        Path b = dir.resolve("ttyB");
        Process socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(a) && Files.exists(b))) {
            if (System.nanoTime() > end) {
                socat.destroyForcibly();
                throw new IOException("socat made no pty pair within 10 s");
            }
            Thread.sleep(20);
        }
        return new PtyGetty(socat, a);
    }

    /** The pty end (a link to /dev/pts/N). */
    public Path line() {
        return line;
    }

    /** Starts agetty on {@link #line()} in its own session; returns its PID. */
    public long startGetty() throws IOException {
        String pts = line.toRealPath().toString().substring("/dev/".length());
        getty = new ProcessBuilder("setsid", "agetty", "-L", "115200", pts, "vt100").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return getty.pid(); // setsid execs agetty in place (a new process only when it leads a group already)
    }

    @Override
    public void close() throws InterruptedException {
        if (getty != null) {
            getty.descendants().forEach(ProcessHandle::destroyForcibly);
            getty.destroyForcibly();
            getty.waitFor(10, TimeUnit.SECONDS);
        }
        socat.destroyForcibly();
        socat.waitFor(10, TimeUnit.SECONDS);
    }
}
