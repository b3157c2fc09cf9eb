package dev.palisade.supervisor.console;

import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.fence.ExitCode;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.supervisor.config.Doctor;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.node.ControlSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * {@code palisade console [-f CONFIG] [-s SOCKET]}: the admin account's login shell on the serial console
 * ({@code /usr/sbin/palisade-console}). agetty and login (PAM) authenticate; this only talks to the supervisor
 * over its control socket and runs the doctor and the configuration check itself. It never runs a shell: asked
 * to run a command ({@code -c}, as sshd or su would), it refuses.
 */
public final class ConsoleMain {
    static final String DEFAULT_CONFIG = "/etc/palisade/palisade.conf";

    private ConsoleMain() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path config = Path.of(DEFAULT_CONFIG);
        Path socket = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-f" -> {
                    if (i + 1 >= args.length) {
                        return usage(err);
                    }
                    config = Path.of(args[++i]);
                }
                case "-s" -> {
                    if (i + 1 >= args.length) {
                        return usage(err);
                    }
                    socket = Path.of(args[++i]);
                }
                case "-c" -> {
                    err.println("palisade console: this account's shell is the palisade console; it runs no commands");
                    return ExitCode.USAGE;
                }
                case "-l", "--login" -> {
                    // a login shell: nothing else to do
                }
                default -> {
                    return usage(err);
                }
            }
        }
        SupervisorConfig c = null;
        String problem = null;
        try {
            c = SupervisorConfig.load(config);
        } catch (ConfigException | IOException e) {
            problem = config + ": " + e.getMessage();
        }
        Path sock = socket != null ? socket : c != null ? c.controlSocket()
                : Path.of(SupervisorConfig.DEFAULT_CONTROL_SOCKET);
        String node = c != null ? c.node() : hostname();
        Duration idle = c != null ? c.consoleIdleTimeout() : Duration.ofMinutes(15);
        Terminal terminal;
        try {
            terminal = TerminalBuilder.builder().system(true).providers("jni,exec").dumb(false)
                    .nativeSignals(true).name("palisade console").build();
        } catch (IOException | IllegalStateException e) {
            err.println("palisade console: needs a terminal (" + e.getMessage() + ")");
            return ExitCode.SYSTEM;
        }
        if (problem != null) {
            terminal.writer().println("% the configuration could not be read (" + problem + "); using "
                    + sock + " and a 15 min idle timeout");
        }
        Path configFile = config;
        SupervisorConfig loaded = c;
        ConsoleSession.Local local = new ConsoleSession.Local() {
            @Override
            public String doctor() {
                if (loaded == null) {
                    return "% doctor needs the configuration: " + checkConfig();
                }
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                Doctor.print(Doctor.examine(loaded, hostname()), new PrintStream(b, true, StandardCharsets.UTF_8));
                return b.toString(StandardCharsets.UTF_8);
            }

            @Override
            public String checkConfig() {
                try {
                    SupervisorConfig s = SupervisorConfig.load(configFile);
                    return configFile + ": OK (supervisor " + s.node() + ", peer " + s.peer() + ", "
                            + (s.serialLinks().size() + s.udpLinks().size()) + " link(s))\n";
                } catch (ConfigException | IOException e) {
                    return configFile + ": " + e.getMessage() + "\n";
                }
            }

            @Override
            public String log(int lines) {
                return journal(lines);
            }
        };
        new ConsoleSession(terminal, line -> ControlSocket.ask(sock, line), local, node, idle).run();
        loggedOut(terminal);
        return ExitCode.OK;
    }

    /** Restores the tty as it was and ends the process: login's parent (getty) prompts again. */
    static void loggedOut(Terminal terminal) {
        try {
            terminal.writer().flush();
            terminal.close();
        } catch (IOException | RuntimeException ignored) {
            // the line may be gone already
        }
        Runtime.getRuntime().exit(0);
    }

    /**
     * The supervisor's last lines from the journal: journalctl with a fixed argument list (nothing typed at the
     * console reaches it but a number), 10 s at most.
     */
    static String journal(int lines) {
        List<String> cmd = List.of("journalctl", "--unit=palisade.service", "--lines=" + lines, "--no-pager",
                "--output=short-iso", "--quiet");
        try {
            ProcessRun.Result r = ProcessRun.run(cmd, "", Duration.ofSeconds(10));
            if (r.timedOut()) {
                return "% journalctl did not answer within 10 s\n";
            }
            String o = r.output();
            return o.isEmpty() ? "% the journal has no lines of palisade.service\n" : o.endsWith("\n") ? o : o + "\n";
        } catch (IOException e) {
            return "% cannot read the journal: " + e.getMessage() + "\n";
        }
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "palisade";
        }
    }

    private static int usage(PrintStream err) {
        err.println("usage: palisade console [-f CONFIG] [-s SOCKET]");
        return ExitCode.USAGE;
    }
}
