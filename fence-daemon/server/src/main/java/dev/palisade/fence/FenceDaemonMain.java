package dev.palisade.fence;

import dev.palisade.drivers.platform.ServiceNotifier;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.FenceDaemonConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.tinylog.Logger;

/**
 * {@code palisade fence-daemon [-F] [-f FILE] [-d N] [-p PIDFILE] [-w]}: fence_virtd's command line.
 * Palisade never forks (run it under systemd), so {@code -F} is accepted and implied.
 */
public final class FenceDaemonMain {
    public static final String DEFAULT_CONFIG = "/etc/fence_virt.conf";

    private FenceDaemonMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static final String USAGE = """
            usage: palisade fence-daemon [-F] [-f FILE] [-d LEVEL] [-p PIDFILE] [-w]
              -F          run in the foreground (always the case; accepted for fence_virtd compatibility)
              -f FILE     configuration file (default /etc/fence_virt.conf), fence_virt.conf grammar
              -d LEVEL    debug level: 1 debug, 3 trace
              -p PIDFILE  write the process id here
              -w          wait for the hypervisor connection instead of failing requests meanwhile
            exit codes: 0 stopped cleanly, 100 usage or configuration error, 111 system error
            """;

    public static int run(String[] args, PrintStream out, PrintStream err) {
        dev.palisade.fence.transport.NettyDefaults.apply();
        String file = DEFAULT_CONFIG;
        String pidFile = null;
        int debug = -1;
        boolean wait = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-F" -> { }
                case "-w" -> wait = true;
                case "-f", "-p", "-d" -> {
                    if (i + 1 >= args.length) {
                        err.println("palisade fence-daemon: option " + a + " needs a value\n" + USAGE);
                        return ExitCode.USAGE;
                    }
                    String v = args[++i];
                    if (a.equals("-f")) {
                        file = v;
                    } else if (a.equals("-p")) {
                        pidFile = v;
                    } else {
                        try {
                            debug = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            err.println("palisade fence-daemon: -d takes a number, not '" + v + "'");
                            return ExitCode.USAGE;
                        }
                    }
                }
                case "-h", "--help", "-?" -> {
                    out.print(USAGE);
                    return ExitCode.OK;
                }
                default -> {
                    err.println("palisade fence-daemon: unknown option '" + a + "'\n" + USAGE);
                    return ExitCode.USAGE;
                }
            }
        }
        FenceDaemonConfig config;
        try {
            config = FenceDaemonConfig.load(Path.of(file));
        } catch (NoSuchFileException e) {
            err.println("palisade fence-daemon: " + file + ": no such configuration file; pass one with -f FILE");
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println("palisade fence-daemon: " + file + ": " + e.getMessage());
            return ExitCode.SYSTEM;
        } catch (ConfigException e) {
            err.println("palisade fence-daemon: " + e.getMessage());
            return ExitCode.USAGE;
        }
        Logging.configure(debug >= 0 ? debug : config.debug());
        FenceDaemon daemon;
        try {
            daemon = FenceDaemon.create(config);
        } catch (KeyFileException e) {
            Logger.error(e.getMessage());
            return ExitCode.USAGE;
        }
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment();
        Thread hook = new Thread(() -> {
            notifier.stopping("stopping");
            daemon.close();
        }, "fence-daemon-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            daemon.start(wait ? Duration.ofDays(365) : Duration.ofSeconds(2));
            // every listener is bound and the hypervisor connected, or its absence logged: ready (sd_notify(3))
            notifier.ready(daemon.listeners().size() + " listener(s) up");
            if (pidFile != null) {
                Files.writeString(Path.of(pidFile), ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            }
            daemon.awaitStop();
            if (daemon.failure() != null) {
                return ExitCode.SYSTEM;
            }
        } catch (IOException e) {
            Logger.error("cannot start: {}", e.getMessage());
            daemon.close();
            return ExitCode.SYSTEM;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (pidFile != null) {
                try {
                    Files.deleteIfExists(Path.of(pidFile));
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
        return ExitCode.OK;
    }
}
