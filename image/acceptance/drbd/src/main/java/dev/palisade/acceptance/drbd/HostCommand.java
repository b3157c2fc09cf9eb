package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program on the host (ipmitool, qemu-img, ip), run to completion within a deadline, killed past it. */
final class HostCommand {
    record Result(int exit, String output, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }

        @Override
        public String toString() {
            return (timedOut ? "timed out" : "exit " + exit) + ": " + output.strip();
        }
    }

    private HostCommand() {
    }

    static Result run(Duration deadline, List<String> command) throws IOException {
        Path out = Files.createTempFile("acceptance-cmd", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean done;
            try {
                done = p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + command);
            }
            if (!done) {
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8), !done);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Result run(Duration deadline, String... command) throws IOException {
        return run(deadline, List.of(command));
    }
}
