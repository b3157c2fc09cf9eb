package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.supervisor.config.FencingConfig;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FenceDevice;
import dev.palisade.supervisor.fencing.FencePlans;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * {@code palisade fence -f FILE [-o off|reboot|status] [--no-delay] NODE}: runs the node's configured fencing
 * levels once and prints every step. Exit codes: 0 fenced (power verified off) or status read, 1 not fenced,
 * 100 usage or configuration error, 111 system error (a secret file that cannot be read).
 */
public final class FenceCommand {
    static final int NOT_FENCED = 1;
    static final String USAGE = "usage: palisade fence -f FILE [-o off|reboot|status] [--no-delay] NODE";

    private FenceCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        dev.palisade.fence.Logging.only("off"); // the command prints its own report
        String file = null;
        String action = "off";
        String node = null;
        boolean noDelay = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-f" -> file = i + 1 < args.length ? args[++i] : null;
                case "-o" -> action = i + 1 < args.length ? args[++i] : "";
                case "--no-delay" -> noDelay = true;
                default -> {
                    if (args[i].startsWith("-") || node != null) {
                        err.println(USAGE);
                        return ExitCode.USAGE;
                    }
                    node = args[i];
                }
            }
        }
        if (file == null || node == null || !Set.of("off", "reboot", "status").contains(action)) {
            err.println(USAGE);
            return ExitCode.USAGE;
        }
        String f = file;
        String n = node;
        String act = action;
        boolean skipDelay = noDelay;
        return Palisade.withConfig(file, err, () -> fence(SupervisorConfig.loadPart(Path.of(f), "fencing",
                SupervisorConfig::fencing, FencingConfig::from), f, n, act, skipDelay, out, err));
    }

    private static int fence(FencingConfig config, String file, String node, String action, boolean noDelay,
                             PrintStream out, PrintStream err) {
        Optional<FencingConfig.NodeFencing> nf = config.node(node);
        if (nf.isEmpty()) {
            err.println(file + ": no fencing { node { name = \"" + node + "\"; ... } } block");
            return ExitCode.USAGE;
        }
        FenceCoordinator.Plan plan;
        try {
            plan = FencePlans.plan(config, nf.get());
            plan = noDelay ? plan.withoutDelay() : plan;
        } catch (IOException e) {
            err.println("palisade fence: " + e.getMessage());
            return ExitCode.SYSTEM;
        }
        if (action.equals("status")) {
            return status(plan, out);
        }
        out.println("fencing " + plan.node() + " (" + action + "): " + plan.levels().size() + " level(s), race delay "
                + plan.delay().toMillis() + " ms, verify within " + plan.verifyTimeout().toMillis() + " ms");
        try {
            FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM).fence(plan,
                    action.equals("reboot") ? FenceCoordinator.Action.REBOOT : FenceCoordinator.Action.OFF,
                    () -> true, s -> out.println("  " + s));
            out.println(o.summary());
            return o.fenced() ? ExitCode.OK : NOT_FENCED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("palisade fence: interrupted");
            return NOT_FENCED;
        }
    }

    private static int status(FenceCoordinator.Plan plan, PrintStream out) {
        int failed = 0;
        for (int i = 0; i < plan.levels().size(); i++) {
            for (FenceDevice d : plan.levels().get(i).devices()) {
                try {
                    out.println("level " + (i + 1) + " " + d.describe() + ": power " + d.status().name().toLowerCase());
                } catch (IOException e) {
                    failed++;
                    out.println("level " + (i + 1) + " " + d.describe() + ": status FAILED: " + e.getMessage());
                }
            }
        }
        return failed == 0 ? ExitCode.OK : NOT_FENCED;
    }
}
