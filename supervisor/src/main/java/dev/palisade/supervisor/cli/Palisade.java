package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.agent.FencePalisade;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The supervisor's commands. The product's entry point ({@code bin/palisade}) is {@code dev.palisade.image.Palisade}
 * in image/, which runs the fence gateway's commands itself (the gateway server and the check of a
 * fence_virt.conf need the gateway, which the supervisor never imports) and hands every other command here.
 */
public final class Palisade {
    private Palisade() {
    }

    /** The supervisor's own commands in the usage text; the image's dispatcher prints them after the gateway's. */
    public static final String COMMANDS_USAGE = """
              dump-config -f FILE                             print a supervisor config with every default filled in
              doctor -f FILE [--host NAME]                    check this machine against a supervisor config
              membership -f FILE [-d N]                       run only the heartbeat membership and log events
              import-heartbeat DIR [--node N] [--key-out F]   turn ha.cf, haresources, authkeys into a config
              ipmi -H HOST -U USER -P PASS [-C 3|17] chassis power status|on|off|cycle|reset|soft
                                                              IPMI v2.0 power control, ipmitool's output and exit codes
              fence -f FILE [-o off|reboot|status] [--no-delay] NODE
                                                              run NODE's fencing levels once, verify power off
              vrrp -f FILE                                    run only the VRRP instances and log every state change
              supervisor -f FILE [-d N]                       run the supervisor: membership, failover, fencing,
                                                              resources, VRRP, control socket (a file with a
                                                              cluster block: a Corosync + Galera cluster node)
              ctl [-s SOCKET | -f FILE] COMMAND               ask a running supervisor: status [--json], links,
                                                              resources, events [--follow], fence-history, standby,
                                                              unstandby, switchover, maintenance on|off (status exits
                                                              0 ok, 1 degraded, 2 critical, 3 unknown); a cluster
                                                              node: status, force-bootstrap NODE
              console [-f FILE] [-s SOCKET]                   the serial console shell for the admin account
              drbd-fence-peer [-s SOCKET | -f FILE]           DRBD's fence-peer handler: the supervisor fences the
                                                              peer; exit 7 fenced, 1 not (drbd.conf handlers)
              version                                         print the version
              help                                            this text
            exit codes: 0 ok, 100 usage or configuration error, 111 system error
            """;

    static final String USAGE = """
            usage: palisade COMMAND [OPTIONS]
            commands:
              fence-keygen [-f KEYFILE] [-c CONFIG] [--force]  write a fence key (and a hardened config)
              fence_palisade [OPTIONS]                        the fence agent (fence_xvm / fence_virt options)
              check-config -f FILE                            validate a supervisor config
            """ + COMMANDS_USAGE;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return ExitCode.USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "check-config" -> checkConfig(rest, out, err);
            case "dump-config" -> dumpConfig(rest, out, err);
            case "doctor" -> doctor(rest, out, err);
            case "import-heartbeat" -> importHeartbeat(rest, out, err);
            case "membership" -> MembershipCommand.run(rest, out, err);
            case "fence-keygen" -> FenceKeygen.run(rest, out, err);
            case "ipmi" -> IpmiCommand.run(rest, out, err);
            case "fence" -> FenceCommand.run(rest, out, err);
            case "vrrp" -> VrrpCommand.run(rest, out, err);
            case "supervisor" -> SupervisorCommand.run(rest, out, err);
            case "ctl" -> SupervisorCommand.ctl(rest, out, err);
            case "console" -> dev.palisade.supervisor.console.ConsoleMain.run(rest, out, err);
            case "drbd-fence-peer" -> SupervisorCommand.drbdFencePeer(rest, out, err);
            case "fence_palisade", "fence-agent" -> FencePalisade.run(rest, System.in, out, err);
            case "version", "--version", "-V" -> {
                out.println("palisade " + version());
                yield ExitCode.OK;
            }
            case "help", "-h", "--help" -> {
                out.print(USAGE);
                yield ExitCode.OK;
            }
            default -> {
                err.println("palisade: unknown command '" + args[0] + "'");
                err.print(USAGE);
                yield ExitCode.USAGE;
            }
        };
    }

    static String version() {
        String v = Palisade.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private static int importHeartbeat(String[] args, PrintStream out, PrintStream err) {
        String dir = null;
        String node = null;
        String keyOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--node" -> node = i + 1 < args.length ? args[++i] : null;
                case "--key-out" -> keyOut = i + 1 < args.length ? args[++i] : null;
                default -> dir = args[i];
            }
        }
        if (dir == null) {
            err.println("usage: palisade import-heartbeat /etc/ha.d [--node NAME] [--key-out /etc/palisade/cluster.key]");
            return ExitCode.USAGE;
        }
        Path d = Path.of(dir);
        String keyPath = keyOut != null ? keyOut : "/etc/palisade/cluster.key";
        dev.palisade.supervisor.config.HeartbeatImport.Result r =
                dev.palisade.supervisor.config.HeartbeatImport.convert(read(d.resolve("ha.cf")),
                        read(d.resolve("haresources")), read(d.resolve("authkeys")), node, keyPath);
        for (String line : r.report()) {
            err.println("import-heartbeat: " + line);
        }
        if (r.config() == null) {
            return ExitCode.USAGE;
        }
        out.print(r.config());
        if (keyOut != null && r.keyMaterial() != null) {
            try {
                Path k = Path.of(keyOut);
                java.nio.file.Files.deleteIfExists(k);
                java.nio.file.Files.createFile(k, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                java.nio.file.Files.write(k, r.keyMaterial());
                err.println("import-heartbeat: wrote the authkeys secret to " + keyOut + " (mode 0600)");
            } catch (IOException e) {
                err.println("import-heartbeat: cannot write " + keyOut + ": " + e.getMessage());
                return ExitCode.SYSTEM;
            }
        }
        return ExitCode.OK;
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.exists(p)
                    ? new String(java.nio.file.Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static int dumpConfig(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("-f")) {
            err.println("usage: palisade dump-config -f FILE");
            return ExitCode.USAGE;
        }
        return withConfig(args[1], err, () -> {
            ConfigBlock root = ConfigParser.parse(Path.of(args[1]));
            out.print(dev.palisade.supervisor.cluster.ClusterConfig.isCluster(root)
                    ? dev.palisade.supervisor.cluster.ClusterConfig.from(Path.of(args[1]), root).dump()
                    : SupervisorConfig.from(Path.of(args[1]), root).dump());
            return ExitCode.OK;
        });
    }

    private static int doctor(String[] args, PrintStream out, PrintStream err) {
        String file = null;
        String host = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-f") && i + 1 < args.length) {
                file = args[++i];
            } else if (args[i].equals("--host") && i + 1 < args.length) {
                host = args[++i];
            }
        }
        if (file == null) {
            err.println("usage: palisade doctor -f FILE [--host NAME]");
            return ExitCode.USAGE;
        }
        String f = file;
        String h = host != null ? host : hostname();
        return withConfig(f, err, () -> dev.palisade.supervisor.config.Doctor.print(
                dev.palisade.supervisor.config.Doctor.examine(SupervisorConfig.load(Path.of(f)), h), out));
    }

    private static String hostname() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Reading a configuration file: what can go wrong, said once for every command that reads one. */
    interface ConfigAction {
        int run() throws IOException, ConfigException;
    }

    static int withConfig(String file, PrintStream err, ConfigAction action) {
        try {
            return action.run();
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file");
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println(file + ": " + e.getMessage());
            return ExitCode.SYSTEM;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ExitCode.USAGE;
        }
    }

    private static int checkConfig(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("-f")) {
            err.println("usage: palisade check-config -f FILE");
            return ExitCode.USAGE;
        }
        return withConfig(args[1], err, () -> {
            ConfigBlock root = ConfigParser.parse(Path.of(args[1]));
            if (dev.palisade.supervisor.cluster.ClusterConfig.isCluster(root)) {
                out.println(ClusterCommand.checked(Path.of(args[1]), root));
                return ExitCode.OK;
            }
            if (root.block("supervisor").isPresent()) {
                SupervisorConfig s = SupervisorConfig.from(Path.of(args[1]), root);
                out.println(args[1] + ": OK (supervisor " + s.node() + ", peer " + s.peer() + ", "
                        + (s.serialLinks().size() + s.udpLinks().size()) + " link(s))");
                return ExitCode.OK;
            }
            // a fence_virt.conf is the gateway's: the product's palisade command checks it
            err.println(args[1] + ": not a supervisor configuration (no 'supervisor' block); for a fence_virt.conf "
                    + "run 'palisade check-config' of the product");
            return ExitCode.USAGE;
        });
    }
}
