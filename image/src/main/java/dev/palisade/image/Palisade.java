package dev.palisade.image;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.FenceDaemonMain;
import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.agent.FencePalisade;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.FenceDaemonConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code bin/palisade SUBCOMMAND ...}: the one entry point of every Palisade program, where the products are
 * assembled. The fence gateway's commands are dispatched here (the gateway server, the key generator, the
 * fence agent, and the check of a fence_virt.conf); everything else is the supervisor's command table
 * ({@link dev.palisade.supervisor.cli.Palisade}), which never sees the gateway server.
 */
public final class Palisade {
    private Palisade() {
    }

    static final String USAGE = """
            usage: palisade COMMAND [OPTIONS]
            commands:
              fence-daemon [-F] [-f FILE] [-d N] [-p PIDFILE]   run the fence_virtd-compatible fencing gateway
              fence-keygen [-f KEYFILE] [-c CONFIG] [--force]  write a fence key (and a hardened config)
              fence_palisade [OPTIONS]                        the fence agent (fence_xvm / fence_virt options)
              check-config -f FILE                            validate a supervisor config or a fence_virt.conf
            """ + dev.palisade.supervisor.cli.Palisade.COMMANDS_USAGE;

    /** The supervisor's commands, run by its own command table. */
    private static final Set<String> SUPERVISOR_COMMANDS = Set.of("dump-config", "doctor", "membership",
            "import-heartbeat", "ipmi", "fence", "vrrp", "supervisor", "ctl", "console", "drbd-fence-peer", "version",
            "--version", "-V");

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("fence_palisade") || args[0].equals("fence-agent"))) {
            dev.palisade.fence.transport.NettyDefaults.applyForOneShot(); // a process of its own: before Netty starts
        }
        FencePalisade.exit(run(args, System.out, System.err)); // every command that used a fence client
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return ExitCode.USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "fence-daemon", "fence_virtd" -> FenceDaemonMain.run(rest, out, err);
            case "fence-keygen" -> FenceKeygen.run(rest, out, err);
            case "fence_palisade", "fence-agent" -> FencePalisade.run(rest, System.in, out, err);
            case "check-config" -> checkConfig(args, rest, out, err);
            case "help", "-h", "--help" -> {
                out.print(USAGE);
                yield ExitCode.OK;
            }
            default -> {
                if (SUPERVISOR_COMMANDS.contains(args[0])) {
                    yield dev.palisade.supervisor.cli.Palisade.run(args, out, err);
                }
                err.println("palisade: unknown command '" + args[0] + "'");
                err.print(USAGE);
                yield ExitCode.USAGE;
            }
        };
    }

    /** A fence_virt.conf is checked here; a supervisor configuration by the supervisor's own check. */
    private static int checkConfig(String[] args, String[] rest, PrintStream out, PrintStream err) {
        if (rest.length != 2 || !rest[0].equals("-f")) {
            err.println("usage: palisade check-config -f FILE");
            return ExitCode.USAGE;
        }
        Path file = Path.of(rest[1]);
        try {
            ConfigBlock root = ConfigParser.parse(file);
            if (root.block("supervisor").isPresent() || root.block("cluster").isPresent()) { // a pair or a cluster node
                return dev.palisade.supervisor.cli.Palisade.run(args, out, err);
            }
            FenceDaemonConfig c = FenceDaemonConfig.from(file, root, Set.of());
            out.println(rest[1] + ": OK");
            for (FenceDaemonConfig.ListenerConfig l : c.listeners()) {
                out.println("  listener " + l.kind() + " port " + l.port() + " auth " + l.policy().name().toLowerCase()
                        + " (legacy hash>=" + l.hash().configName() + ", challenge " + l.auth().configName()
                        + ") key " + l.keyFile());
            }
            out.println("  backend libvirt " + String.join(" ", c.libvirtUris()));
            out.println("  groups " + c.groups().size());
            if (c.http() != null) {
                out.println("  http " + c.http().listen() + " (/metrics, /status)");
            }
            return ExitCode.OK;
        } catch (NoSuchFileException e) {
            err.println(rest[1] + ": no such file");
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println(rest[1] + ": " + e.getMessage());
            return ExitCode.SYSTEM;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ExitCode.USAGE;
        }
    }
}
