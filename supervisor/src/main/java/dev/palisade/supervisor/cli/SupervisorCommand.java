package dev.palisade.supervisor.cli;

import dev.palisade.drivers.platform.ServiceNotifier;
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
 * {@code palisade ctl [-s SOCKET | -f FILE] COMMAND}: asks it ({@link dev.palisade.supervisor.node.ControlCommand}).
 */
public final class SupervisorCommand {
    static final String CTL_USAGE = "usage: palisade ctl [-s SOCKET | -f CONFIG] "
            + dev.palisade.supervisor.node.ControlCommand.USAGE + " (cluster: status | force-bootstrap NODE)";
    /** {@code palisade ctl}: the supervisor understood the command and refused it in its state (the answer says why). */
    static final int CTL_REFUSED = 1;

    private SupervisorCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (ClusterCommand.isClusterFile(args)) {
            return ClusterCommand.run(args, out, err); // a cluster block: three or more nodes on Corosync and Galera
        }
        return DaemonOptions.run("supervisor", args, err, (config, key) -> {
            Logger.info("supervisor: {}", dev.palisade.drivers.platform.Realtime.lockMemory());
            ServiceNotifier notifier = ServiceNotifier.fromEnvironment();
            dev.palisade.drivers.platform.HardwareWatchdog watchdog = null;
            if (config.hardwareWatchdog() != null) {
                try {
                    watchdog = dev.palisade.drivers.platform.HardwareWatchdog.open(config.hardwareWatchdog(),
                            config.hardwareWatchdogTimeout());
                } catch (IOException e) {
                    Logger.error("hardware watchdog {}: {}", config.hardwareWatchdog(), e.getMessage());
                    return ExitCode.SYSTEM;
                }
            }
            SupervisorNode node = new SupervisorNode(config, key, null, notifier, watchdog);
            CountDownLatch stopped = new CountDownLatch(1);
            // the control socket first: it is also the lock that keeps a second supervisor from touching the group
            ControlSocket control;
            try {
                control = ControlSocket.open(config.controlSocket(), config.controlGroup(), node::command).onDeath((where, e) -> {
                    Logger.error(e, "supervisor: {} died: exiting (the peer fences this node)", where);
                    Runtime.getRuntime().halt(70);
                });
            } catch (IOException e) {
                Logger.error("control socket {}: {}", config.controlSocket(), e.getMessage());
                return ExitCode.SYSTEM;
            }
            // the status endpoint next, when configured: it answers during the start-up check too (palisade_up 0)
            dev.palisade.drivers.http.StatusServer http = null;
            if (config.http() != null) {
                try {
                    http = dev.palisade.drivers.http.StatusServer.start(config.http().listen(),
                            dev.palisade.supervisor.status.StatusEndpoints.pages(node::view, node.counters()),
                            "status-http", (where, e) -> {
                                Logger.error(e, "supervisor: {} died: exiting (the peer fences this node)", where);
                                Runtime.getRuntime().halt(70);
                            });
                } catch (IOException e) {
                    Logger.error("{}: http listen: {} (fix the address, or remove the http block)",
                            config.http().position(), e.getMessage());
                    control.close();
                    return ExitCode.SYSTEM;
                }
            }
            dev.palisade.drivers.http.StatusServer status = http;
            try {
                node.start();
            } catch (IOException e) {
                Logger.error("cannot start: {}", e.getMessage());
                if (status != null) {
                    status.close();
                }
                control.close();
                return ExitCode.SYSTEM;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                notifier.stopping("stopping (resources first when this node runs them)");
                Logger.info("supervisor: stopping (resources first when this node runs them)");
                node.shutdown(config.deadtime().toMillis() * 20 + 60_000);
                if (status != null) {
                    status.close();
                }
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

    /**
     * DRBD's fence-peer handler exit codes (drbd_nl.c conn_try_outdate_peer, 8.4 and 9): 7 "peer was stonithed"
     * (DRBD marks the peer Outdated and resumes I/O). 3, 4, 5 and 6 also change what DRBD does (5, "peer
     * unreachable, assumed dead", resumes I/O on an UpToDate Primary); any other code is "fence-peer helper
     * broken" and I/O stays frozen. So every failure exits 1: a peer that was not verified off must never let
     * DRBD write on alone.
     */
    static final int DRBD_PEER_FENCED = 7;
    static final int DRBD_NOT_FENCED = 1;

    /** The handler's exit code for the supervisor's answer (null: no answer). */
    public static int drbdExitCode(String answer) {
        return answer != null && answer.startsWith("fenced:") ? DRBD_PEER_FENCED : DRBD_NOT_FENCED;
    }

    /**
     * {@code palisade drbd-fence-peer [-s SOCKET | -f FILE]}: DRBD's fence-peer handler. Asks the local supervisor
     * to fence the peer (verified power off) and exits 7 when it was; otherwise 1, and DRBD keeps I/O frozen
     * (with fencing resource-and-stonith) rather than risk a split brain or lost writes.
     */
    public static int drbdFencePeer(String[] args, PrintStream out, PrintStream err) {
        String res = System.getenv().getOrDefault("DRBD_RESOURCE", "");
        Path socket = socket(args, err);
        if (socket == null) {
            err.println("palisade drbd-fence-peer: resource " + res + ": peer NOT fenced (exit 1; I/O stays frozen)");
            return DRBD_NOT_FENCED;
        }
        String answer;
        try {
            answer = ControlSocket.ask(socket, res.isEmpty() ? "fence-peer" : "fence-peer " + res,
                    java.time.Duration.ofMinutes(11));
            out.print(answer);
        } catch (IOException e) {
            err.println("palisade drbd-fence-peer: resource " + res + ": cannot reach the supervisor at " + socket
                    + " (" + e.getMessage() + "); peer NOT fenced (exit 1; I/O stays frozen)");
            return DRBD_NOT_FENCED;
        }
        int rc = drbdExitCode(answer);
        err.println("palisade drbd-fence-peer: resource " + res + ": " + (rc == DRBD_PEER_FENCED ? "peer fenced (exit 7)"
                : "peer NOT fenced (exit 1; I/O stays frozen)"));
        return rc;
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
        String[] words = command.split("\\s+");
        if (words[0].equals("status")) {
            return CtlStatus.status(socket, command, out, err);
        }
        if (words[0].equals("events") && java.util.Arrays.asList(words).contains("--follow")) {
            return CtlStatus.follow(socket, command, out, err);
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
        return answer.startsWith("error:") ? ExitCode.USAGE : answer.startsWith("refused:") ? CTL_REFUSED : ExitCode.OK;
    }
}
