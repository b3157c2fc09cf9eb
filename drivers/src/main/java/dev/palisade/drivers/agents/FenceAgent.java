package dev.palisade.drivers.agents;

import dev.palisade.drivers.platform.ProcessRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** A parameter given on the agent's stdin, or null. */
    public String parameter(String key) {
        return parameters.get(key);
    }

    /** Runs {@code action} (off, on, reboot, status, monitor) once. */
    public ProcessRun.Result run(String action) throws IOException {
        StringBuilder in = new StringBuilder("action=").append(action).append('\n');
        parameters.forEach((k, v) -> in.append(k).append('=').append(v).append('\n'));
        return ProcessRun.run(List.of(program.toString()), in.toString(), timeout);
    }
}
