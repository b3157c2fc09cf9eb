package dev.palisade.supervisor.cli;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.PrintStream;
import org.tinylog.Logger;

/** {@code -f FILE [-d N]}, the options of the commands that run a part of the supervisor in the foreground. */
record DaemonOptions(String file, int debug) {
    /** The options, or null after printing what is wrong to {@code err} (exit with ExitCode.USAGE). */
    static DaemonOptions parse(String command, String[] args, PrintStream err) {
        String usage = "usage: palisade " + command + " -f FILE [-d N]";
        String file = null;
        int debug = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-f" -> file = i + 1 < args.length ? args[++i] : null;
                case "-d" -> {
                    try {
                        debug = Integer.parseInt(i + 1 < args.length ? args[++i] : "x");
                    } catch (NumberFormatException e) {
                        err.println("palisade " + command + ": -d takes a number");
                        return null;
                    }
                }
                default -> {
                    err.println("palisade " + command + ": unknown option '" + args[i] + "'\n" + usage);
                    return null;
                }
            }
        }
        if (file == null) {
            err.println(usage);
            return null;
        }
        return new DaemonOptions(file, debug);
    }

    /** What runs once the configuration is read and its cluster key loaded. */
    interface Daemon {
        int run(SupervisorConfig config, FenceKey key) throws java.io.IOException;
    }

    /**
     * {@code palisade COMMAND -f FILE [-d N]}: the options, the configuration (file errors reported by
     * {@link Palisade#withConfig}), logging at the asked level, the cluster key; then {@code daemon}.
     */
    static int run(String command, String[] args, PrintStream err, Daemon daemon) {
        DaemonOptions o = parse(command, args, err);
        if (o == null) {
            return dev.palisade.fence.ExitCode.USAGE;
        }
        return Palisade.withConfig(o.file(), err, () -> {
            SupervisorConfig config = SupervisorConfig.load(java.nio.file.Path.of(o.file()));
            dev.palisade.fence.Logging.configure(o.debug());
            FenceKey key;
            try {
                key = FenceKey.load(config.keyFile());
            } catch (KeyFileException e) {
                Logger.error(e.getMessage());
                return dev.palisade.fence.ExitCode.USAGE;
            }
            return daemon.run(config, key);
        });
    }
}
