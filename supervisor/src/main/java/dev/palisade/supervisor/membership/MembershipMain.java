package dev.palisade.supervisor.membership;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.Logging;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;

/**
 * {@code palisade membership -f FILE [-d N]}: runs only the heartbeat membership of a supervisor
 * configuration and logs peer and link events, for testing and for operators wiring a new cable.
 */
public final class MembershipMain {
    private MembershipMain() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String file = null;
        int debug = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-f" -> file = i + 1 < args.length ? args[++i] : null;
                case "-d" -> {
                    try {
                        debug = Integer.parseInt(i + 1 < args.length ? args[++i] : "x");
                    } catch (NumberFormatException e) {
                        err.println("palisade membership: -d takes a number");
                        return ExitCode.USAGE;
                    }
                }
                case "-h", "--help" -> {
                    out.println("usage: palisade membership -f FILE [-d LEVEL]");
                    return ExitCode.OK;
                }
                default -> {
                    err.println("palisade membership: unknown option '" + args[i] + "'\nusage: palisade membership -f FILE");
                    return ExitCode.USAGE;
                }
            }
        }
        if (file == null) {
            err.println("usage: palisade membership -f FILE [-d LEVEL]");
            return ExitCode.USAGE;
        }
        SupervisorConfig config;
        try {
            config = SupervisorConfig.load(Path.of(file));
        } catch (NoSuchFileException e) {
            err.println("palisade membership: " + file + ": no such file");
            return ExitCode.USAGE;
        } catch (ConfigException e) {
            err.println("palisade membership: " + e.getMessage());
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println("palisade membership: " + file + ": " + e.getMessage());
            return ExitCode.SYSTEM;
        }
        Logging.configure(debug);
        FenceKey key;
        try {
            key = FenceKey.load(config.keyFile());
        } catch (KeyFileException e) {
            Logger.error(e.getMessage());
            return ExitCode.USAGE;
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (Membership m = new Membership(config, key, e -> { })) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                m.close();
                stop.countDown();
            }, "membership-shutdown"));
            m.start();
            stop.await();
        } catch (IOException e) {
            Logger.error("cannot start: {}", e.getMessage());
            return ExitCode.SYSTEM;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }
}
