package dev.palisade.supervisor.resources;

import dev.palisade.drivers.platform.ProcessRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A resource run by a script, unchanged: an OCF resource agent ({@code ocf:heartbeat:Dummy::state=/run/x}:
 * OCF_RESKEY_ parameters, OCF exit codes), a Heartbeat resource.d script with its haresources arguments
 * ({@code IPaddr2::10.0.0.7/24/eth0}: called as {@code SCRIPT ARGS... start|stop|status}), or an LSB init
 * script ({@code mysql}: {@code /etc/init.d/mysql start|stop|status}). Every call has a deadline and an agent
 * still running at it is killed and the call failed; a start is checked by a monitor afterwards, and a stop
 * is success only when the monitor then says stopped.
 */
public final class AgentResource implements Resource {
    public enum Kind { OCF, HEARTBEAT, LSB }

    /** OCF exit codes (OCF Resource Agent API). */
    static final int OCF_SUCCESS = 0;
    static final int OCF_NOT_RUNNING = 7;
    static final int OCF_RUNNING_MASTER = 8;
    static final int LSB_STATUS_STOPPED = 3;

    private final Kind kind;
    private final String name;
    private final Path script;
    private final List<String> args;
    private final Map<String, String> env;
    private final Duration timeout;

    private AgentResource(Kind kind, String name, Path script, List<String> args, Map<String, String> env,
                          Duration timeout) {
        this.kind = kind;
        this.name = name;
        this.script = script;
        this.args = args;
        this.env = env;
        this.timeout = timeout;
    }

    /** {@code ocf:PROVIDER:TYPE} with {@code key=value} parameters, from {@code ocfRoot} (/usr/lib/ocf). */
    public static AgentResource ocf(Path ocfRoot, String provider, String type, List<String> params, Duration timeout) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OCF_ROOT", ocfRoot.toString());
        env.put("OCF_RESOURCE_INSTANCE", type.toLowerCase(Locale.ROOT) + "-palisade");
        env.put("OCF_RESOURCE_TYPE", type);
        env.put("OCF_RESOURCE_PROVIDER", provider);
        env.put("OCF_RA_VERSION_MAJOR", "1");
        env.put("OCF_RA_VERSION_MINOR", "0");
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("OCF parameter '" + p + "' is not key=value");
            }
            env.put("OCF_RESKEY_" + p.substring(0, eq), p.substring(eq + 1));
        }
        return new AgentResource(Kind.OCF, "ocf:" + provider + ":" + type + (params.isEmpty() ? ""
                : " " + String.join(" ", params)), ocfRoot.resolve("resource.d").resolve(provider).resolve(type),
                List.of(), env, timeout);
    }

    /** A Heartbeat resource.d script, called with its haresources arguments before the action. */
    public static AgentResource heartbeat(Path script, List<String> args, Duration timeout) {
        return new AgentResource(Kind.HEARTBEAT, script.getFileName() + (args.isEmpty() ? ""
                : "::" + String.join("::", args)), script, List.copyOf(args), Map.of(), timeout);
    }

    /** An LSB init script. */
    public static AgentResource lsb(Path script, Duration timeout) {
        return new AgentResource(Kind.LSB, "lsb:" + script.getFileName(), script, List.of(), Map.of(), timeout);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() throws IOException {
        ProcessRun.Result r = call("start");
        if (r.exit() != 0) {
            throw new IOException(name + " start " + said(r));
        }
        Status s = monitor();
        if (s != Status.RUNNING) {
            throw new IOException(name + " start succeeded but its monitor says " + s);
        }
    }

    @Override
    public void stop() throws IOException {
        ProcessRun.Result r = call("stop");
        if (r.exit() != 0) {
            throw new IOException(name + " stop " + said(r) + ": not stopped");
        }
        Status s = monitor();
        if (s != Status.STOPPED) {
            throw new IOException(name + " stop returned success but its monitor says " + s + ": not stopped");
        }
    }

    @Override
    public Status monitor() throws IOException {
        ProcessRun.Result r = call(kind == Kind.OCF ? "monitor" : "status");
        if (r.timedOut()) {
            return Status.FAILED;
        }
        return switch (kind) {
            case OCF -> r.exit() == OCF_SUCCESS || r.exit() == OCF_RUNNING_MASTER ? Status.RUNNING
                    : r.exit() == OCF_NOT_RUNNING ? Status.STOPPED : Status.FAILED;
            case LSB -> r.exit() == 0 ? Status.RUNNING : r.exit() == LSB_STATUS_STOPPED ? Status.STOPPED
                    : Status.FAILED;
            case HEARTBEAT -> heartbeatStatus(r);
        };
    }

    /** Heartbeat's rule for resource.d scripts: "running" or "OK" in the status output means running. */
    private static Status heartbeatStatus(ProcessRun.Result r) {
        String out = r.output().toLowerCase(Locale.ROOT);
        if (r.exit() == LSB_STATUS_STOPPED || out.contains("stopped") || out.contains("not running")) {
            return Status.STOPPED;
        }
        if (out.contains("running") || r.output().contains("OK")) {
            return Status.RUNNING;
        }
        return r.exit() == 0 ? Status.STOPPED : Status.FAILED;
    }

    private ProcessRun.Result call(String action) throws IOException {
        if (!Files.isExecutable(script)) {
            throw new IOException(name + ": " + script + " is not an executable script");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(args);
        cmd.add(action);
        return ProcessRun.run(cmd, env, null, timeout);
    }

    private String said(ProcessRun.Result r) {
        String out = r.output().isBlank() ? "" : ": " + r.output().lines().reduce((a, b) -> b).orElse("");
        return r.timedOut() ? "did not finish within " + timeout.toSeconds() + " s and was killed"
                : "failed with exit code " + r.exit() + out;
    }
}
