package dev.palisade.gateway;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.FenceDaemonMain;
import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.FenceDaemonConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code palisade-fence-gateway}: the hypervisor package's one program. With fence_virtd's options (or none)
 * it runs the gateway; {@code keygen}, {@code check-config} and {@code version} are its helpers. Built from
 * fence-daemon alone: the hypervisor carries no supervisor code.
 */
public final class FenceGateway {
    static final String USAGE = """
            usage: palisade-fence-gateway [-F] [-f FILE] [-d LEVEL] [-p PIDFILE] [-w]   run the gateway (fence_virtd's options)
                   palisade-fence-gateway keygen [-f KEYFILE] [-c CONFIG] [--force]    write a fence key (and a hardened config)
                   palisade-fence-gateway check-config [-f FILE]                       validate a fence_virt.conf
                   palisade-fence-gateway version
            exit codes: 0 ok, 100 usage or configuration error, 111 system error
            """;

    private FenceGateway() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].startsWith("-") && !args[0].equals("--help") && !args[0].equals("--version")) {
            return FenceDaemonMain.run(args, out, err);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "keygen" -> FenceKeygen.run(rest, out, err);
            case "check-config" -> checkConfig(rest, out, err);
            case "version", "--version" -> {
                out.println("palisade-fence-gateway " + version());
                yield ExitCode.OK;
            }
            case "help", "--help" -> {
                out.print(USAGE);
                yield ExitCode.OK;
            }
            default -> {
                err.println("palisade-fence-gateway: unknown command '" + args[0] + "'");
                err.print(USAGE);
                yield ExitCode.USAGE;
            }
        };
    }

    static String version() {
        String v = FenceGateway.class.getPackage().getImplementationVersion();
        return v == null ? "unknown (not run from its jar)" : v;
    }

    private static int checkConfig(String[] args, PrintStream out, PrintStream err) {
        String file = FenceDaemonMain.DEFAULT_CONFIG;
        if (args.length == 2 && args[0].equals("-f")) {
            file = args[1];
        } else if (args.length != 0) {
            err.println("usage: palisade-fence-gateway check-config [-f FILE]");
            return ExitCode.USAGE;
        }
        try {
            FenceDaemonConfig c = FenceDaemonConfig.load(Path.of(file));
            out.println(file + ": OK (" + c.listeners().size() + " listener(s), backend libvirt "
                    + String.join(" ", c.libvirtUris()) + ", " + c.groups().size() + " group(s)"
                    + (c.http() == null ? "" : ", http " + c.http().listen()) + ")");
            return ExitCode.OK;
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
}
