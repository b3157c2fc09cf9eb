package dev.palisade.drivers.agents;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a fence-agents program (fence_ipmilan, fence_xvm, fence_apc, ...) through the standard interface:
 * {@code key=value} lines on stdin ({@code action=off}, {@code ip=...}), exit code 0 for success; for
 * {@code action=status} 0 means on and 2 means off. Each run has a deadline, after which the agent (the
 * process this started, by PID, and its children) is killed.
 */
public final class FenceAgent {
    private final Path program;
    private final Map<String, String> parameters;
    private final Duration timeout;

    /** What one run did: exit code (-1 when killed at the deadline), and its output for the log. */
    public record Run(int exit, String output, long millis) {
        public boolean timedOut() {
            return exit == -1;
        }
    }

    public FenceAgent(Path program, Map<String, String> parameters, Duration timeout) {
        this.program = program;
        this.parameters = new LinkedHashMap<>(parameters);
        this.timeout = timeout;
    }

    /** Finds an agent by name in /usr/sbin, /sbin, /usr/bin, or takes a path as given. */
    public static Path locate(String name) throws IOException {
        if (name.contains("/")) {
            Path p = Path.of(name);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new IOException(name + " is not an executable file");
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IOException("fence agent " + name + " not found in /usr/sbin, /sbin, /usr/bin, /usr/local/sbin"
                + " (Debian: apt-get install fence-agents)");
    }

    public Path program() {
        return program;
    }

    /** Runs {@code action} (off, on, reboot, status, monitor) once. */
    public Run run(String action) throws IOException {
        StringBuilder in = new StringBuilder("action=").append(action).append('\n');
        parameters.forEach((k, v) -> in.append(k).append('=').append(v).append('\n'));
        File out = File.createTempFile("fence-agent", ".out");
        long t0 = System.nanoTime();
        try {
            Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).redirectOutput(out).start();
            try (OutputStream o = p.getOutputStream()) {
                o.write(in.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException agentClosedStdin) {
                // it read what it wanted (or died); its exit code says which
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
            int exit = done ? p.exitValue() : -1;
            String text = Files.readString(out.toPath(), StandardCharsets.UTF_8).strip();
            return new Run(exit, text, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            out.delete();
        }
    }
}
