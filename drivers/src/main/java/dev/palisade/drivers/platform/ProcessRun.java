package dev.palisade.drivers.platform;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program to completion with a deadline: optional text on its stdin (/dev/null otherwise), stdout and
 * stderr together, and at the deadline the program and its children — processes this started, by PID — are
 * killed.
 */
public final class ProcessRun {
    private ProcessRun() {
    }

    /** What one run did: exit code (-1 when killed at the deadline), its output, how long it took. */
    public record Result(int exit, String output, long millis) {
        public boolean timedOut() {
            return exit == -1;
        }
    }

    /** Whether process {@code pid} exists and is not a zombie (killed, not yet reaped). */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    public static Result run(List<String> cmd, String stdin, Duration timeout) throws IOException {
        return run(cmd, java.util.Map.of(), stdin, timeout);
    }

    /** As {@link #run(List, String, Duration)}, with {@code env} added to the inherited environment. */
    public static Result run(List<String> cmd, java.util.Map<String, String> env, String stdin, Duration timeout)
            throws IOException {
        // what agents and drbdadm print may carry secrets: the file is created readable by its owner only
        File out = Files.createTempFile("palisade-run", ".out", java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))).toFile();
        long t0 = System.nanoTime();
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out);
            pb.environment().putAll(env);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream o = p.getOutputStream()) {
                    o.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException closedEarly) {
                    // it read what it wanted (or died); its exit code says which
                }
            }
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String text = Files.readString(out.toPath(), StandardCharsets.UTF_8).strip();
            return new Result(done ? p.exitValue() : -1, text, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            out.delete();
        }
    }
}
