package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.supervisor.cluster.ClusterConfig;
import dev.palisade.supervisor.cluster.ClusterNode;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.node.ControlSocket;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;

/**
 * {@code palisade supervisor -f FILE} when FILE has a {@code cluster} block: one node of a cluster of three or
 * more on Corosync and Galera (docs/cluster.md), in the foreground until SIGTERM, which releases the VIP, stops
 * Galera cleanly and leaves the group. Also what check-config, dump-config and ctl need to know of such a file.
 */
final class ClusterCommand {
    private ClusterCommand() {
    }

    /** Whether the {@code -f FILE} of these arguments is a cluster node's configuration. */
    static boolean isClusterFile(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-f")) {
                try {
                    return ClusterConfig.isCluster(ConfigParser.parse(Path.of(args[i + 1])));
                } catch (IOException | ConfigException e) {
                    return false; // the pair's reader reports what is wrong with the file
                }
            }
        }
        return false;
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        DaemonOptions o = DaemonOptions.parse("supervisor", args, err);
        if (o == null) {
            return ExitCode.USAGE;
        }
        return Palisade.withConfig(o.file(), err, () -> {
            ClusterConfig config = ClusterConfig.load(Path.of(o.file()));
            dev.palisade.fence.Logging.configure(o.debug());
            ClusterNode node = new ClusterNode(config);
            ControlSocket control;
            try {
                // first: it is also the lock that keeps a second supervisor off this node's Galera and VIP
                control = ControlSocket.open(config.controlSocket(), node::command);
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
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Logger.info("cluster: stopping (VIP released, Galera stopped cleanly, group left)");
                node.shutdown(config.galera().server().stopTimeout().plusSeconds(30));
                control.close();
                stopped.countDown();
            }, "cluster-shutdown"));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ExitCode.OK;
        });
    }

    /** check-config's line for a cluster file. */
    static String checked(Path file, ConfigBlock root) throws ConfigException {
        ClusterConfig c = ClusterConfig.from(file, root);
        return file + ": OK (cluster node " + c.node() + " of " + c.members().size() + " members, " + c.galera()
                .server().datadir() + ", " + c.vips().size() + " VIP(s))";
    }

    /** The control socket a configuration names, whichever mode it is. */
    static Path controlSocket(Path file) throws IOException, ConfigException {
        ConfigBlock root = ConfigParser.parse(file);
        return ClusterConfig.isCluster(root) ? ClusterConfig.from(file, root).controlSocket()
                : SupervisorConfig.from(file, root).controlSocket();
    }

}
