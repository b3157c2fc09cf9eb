package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.node.SupervisorNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;

/**
 * {@code palisade supervisor -f FILE [-d N]}: the supervisor (membership, failover, fencing, resources, VRRP,
 * control socket) in the foreground until SIGTERM, which stops the resources first when this node runs them.
 * {@code palisade ctl [-s SOCKET | -f FILE] status|standby|unstandby|switchover|maintenance on|off}: asks it.
 */
public final class SupervisorCommand {
    static final String CTL_USAGE = "usage: palisade ctl [-s SOCKET | -f CONFIG] "
            + "status|standby|unstandby|switchover|maintenance on|maintenance off (cluster: status|force-bootstrap NODE)";

    private SupervisorCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (ClusterCommand.isClusterFile(args)) {
            return ClusterCommand.run(args, out, err); // a cluster block: three or more nodes on Corosync and Galera
        }
        return DaemonOptions.run("supervisor", args, err, (config, key) -> {
            SupervisorNode node = new SupervisorNode(config, key);
            CountDownLatch stopped = new CountDownLatch(1);
            // the control socket first: it is also the lock that keeps a second supervisor from touching the group
            ControlSocket control;
            try {
                control = ControlSocket.open(config.controlSocket(), line -> answer(node, line));
            } catch (IOException e) {
                Logger.error("control socket {}: {}", config.controlSocket(), e.getMessage());
                return ExitCode.SYSTEM;
            }
            try {
                node.start();
            } catch (IOException e) {
                Logger.error("cannot start: {}", e.getMessage());
                control.close();
                return ExitCode.SYSTEM;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Logger.info("supervisor: stopping (resources first when this node runs them)");
                node.shutdown(config.deadtime().toMillis() * 20 + 60_000);
                control.close();
                stopped.countDown();
            }, "supervisor-shutdown"));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ExitCode.OK;
        });
    }

    static String answer(SupervisorNode node, String line) {
        if (line.equals("status")) {
            return node.status();
        }
        if (line.equals("fence-peer")) {
            try {
                var o = node.fencePeerForReplication();
                return (o.fenced() ? "fenced: " : "error: ") + o.summary();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "error: interrupted";
            }
        }
        String r = node.command(line);
        return r != null ? r : "error: unknown command '" + line + "'; " + CTL_USAGE.substring("usage: ".length());
    }

    /** DRBD's fence-peer handler exit codes (drbd.conf(5)): 7 the peer was fenced; 5 it could not be. */
    static final int DRBD_PEER_FENCED = 7;
    static final int DRBD_PEER_UNREACHABLE = 5;

    /**
     * {@code palisade drbd-fence-peer [-s SOCKET | -f FILE]}: DRBD's fence-peer handler. Asks the local supervisor
     * to fence the peer (verified power off) and exits 7 when it was; otherwise 5, and DRBD keeps I/O frozen
     * (with fencing resource-and-stonith) rather than risk a split brain.
     */
    public static int drbdFencePeer(String[] args, PrintStream out, PrintStream err) {
        Path socket = socket(args, err);
        if (socket == null) {
            return DRBD_PEER_UNREACHABLE;
        }
        String res = System.getenv().getOrDefault("DRBD_RESOURCE", "?");
        try {
            String answer = ControlSocket.ask(socket, "fence-peer", java.time.Duration.ofMinutes(5));
            out.print(answer);
            if (answer.startsWith("fenced:")) {
                err.println("palisade drbd-fence-peer: resource " + res + ": peer fenced (exit 7)");
                return DRBD_PEER_FENCED;
            }
            err.println("palisade drbd-fence-peer: resource " + res + ": peer NOT fenced (exit 5; I/O stays frozen)");
            return DRBD_PEER_UNREACHABLE;
        } catch (IOException e) {
            err.println("palisade drbd-fence-peer: resource " + res + ": cannot reach the supervisor at " + socket
                    + " (" + e.getMessage() + "); peer NOT fenced (exit 5)");
            return DRBD_PEER_UNREACHABLE;
        }
    }

    /** The control socket named by -s SOCKET or by -f CONFIG, else the default; null after a config error. */
    private static Path socket(String[] args, PrintStream err) {
        if (args.length >= 2 && args[0].equals("-s")) {
            return Path.of(args[1]);
        }
        if (args.length >= 2 && args[0].equals("-f")) {
            Path[] found = new Path[1];
            int rc = Palisade.withConfig(args[1], err, () -> {
                found[0] = ClusterCommand.controlSocket(Path.of(args[1]));
                return ExitCode.OK;
            });
            return rc == ExitCode.OK ? found[0] : null;
        }
        return Path.of(SupervisorConfig.DEFAULT_CONTROL_SOCKET);
    }

    public static int ctl(String[] args, PrintStream out, PrintStream err) {
        Path socket = socket(args, err);
        if (socket == null) {
            return ExitCode.USAGE;
        }
        int i = args.length >= 2 && (args[0].equals("-s") || args[0].equals("-f")) ? 2 : 0;
        String command = String.join(" ", Arrays.copyOfRange(args, i, args.length)).strip();
        if (command.isEmpty() || command.equals("-h") || command.equals("--help")) {
            (command.isEmpty() ? err : out).println(CTL_USAGE);
            return command.isEmpty() ? ExitCode.USAGE : ExitCode.OK;
        }
        String answer;
        try {
            answer = ControlSocket.ask(socket, command);
        } catch (IOException e) {
            err.println("palisade ctl: cannot reach the supervisor at " + socket + " (" + e.getMessage()
                    + "); is 'palisade supervisor' running?");
            return ExitCode.SYSTEM;
        }
        out.print(answer);
        return answer.startsWith("error:") ? ExitCode.USAGE : ExitCode.OK;
    }
}
