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

    /** The configuration's cluster key, or null after logging why it cannot be used (exit with ExitCode.USAGE). */
    static FenceKey clusterKey(SupervisorConfig config) {
        try {
            return FenceKey.load(config.keyFile());
        } catch (KeyFileException e) {
            Logger.error(e.getMessage());
            return null;
        }
    }
}
