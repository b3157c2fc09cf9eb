package dev.palisade.supervisor.cluster;

import dev.palisade.drivers.corosync.CorosyncException;
import dev.palisade.drivers.corosync.Cpg;
import dev.palisade.supervisor.cluster.galera.GaleraResource;
import dev.palisade.supervisor.cluster.galera.GaleraStateException;
import dev.palisade.supervisor.cluster.galera.WsrepStatus;
import dev.palisade.supervisor.config.FencingConfig;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FencePlans;
import dev.palisade.supervisor.node.Lane;
import dev.palisade.supervisor.node.Scheduler;
import dev.palisade.supervisor.node.ThreadLane;
import dev.palisade.supervisor.vrrp.VrrpInstance;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * What the decision machine asks, done: Galera work on its own worker (one thing at a time: recovery, a start,
 * a stop), fencing on another, CPG sends in order on a third, VRRP and logging at once. Every result is posted
 * back to the node's loop ({@code post}) as the machine's next event; nothing here decides.
 */
final class ClusterEffects implements ClusterMachine.Effects {
    private final ClusterConfig config;
    private final GaleraResource galera;
    private final List<VrrpInstance> vips;
    private final Consumer<Runnable> post;
    private final Supplier<ClusterMachine> machine;
    private final Supplier<Cpg> cpg;
    private final Supplier<Set<Integer>> members;
    private final FenceCoordinator coordinator = new FenceCoordinator(FenceCoordinator.SYSTEM);
    private final ExecutorService galeraWorker = ClusterThreads.worker("galera");
    private final ThreadLane fenceLane;
    private final ExecutorService sender = ClusterThreads.worker("cpg-send");
    final CompletableFuture<Void> shutdownDone = new CompletableFuture<>();
    final java.util.Deque<String> transitions = new java.util.ArrayDeque<>();

    /** {@code loop}: the cluster loop, where every worker's answer is posted. */
    ClusterEffects(ClusterConfig config, GaleraResource galera, List<VrrpInstance> vips, Scheduler loop,
                   Supplier<ClusterMachine> machine, Supplier<Cpg> cpg, Supplier<Set<Integer>> members) {
        this.config = config;
        this.post = loop::post;
        this.fenceLane = new ThreadLane("cluster-fence", loop, ClusterThreads::fatal);
        this.galera = galera;
        this.vips = vips;
        this.machine = machine;
        this.cpg = cpg;
        this.members = members;
    }

    @Override
    public void recoverPosition() {
        galeraWorker.execute(() -> {
            try {
                Report r = galera.recoverPosition();
                post.accept(() -> machine.get().positionRecovered(r));
            } catch (IOException | GaleraStateException e) {
                Logger.error("cluster: the position of {} cannot be read: {}", galera.name(), e.getMessage());
                post.accept(() -> machine.get().positionFailed(e.getMessage(), null));
            }
        });
    }

    @Override
    public void startGalera(ClusterMachine.StartMode mode, Report from) {
        galeraWorker.execute(() -> {
            try {
                WsrepStatus s = switch (mode) {
                    case JOIN -> galera.join(from);
                    case PC_RECOVERY -> galera.joinForPcRecovery(from, config.pcRecoveryTimeout());
                    case BOOTSTRAP -> galera.bootstrap(from);
                };
                post.accept(() -> machine.get().started(true, s.toString()));
            } catch (IOException e) {
                Logger.error("cluster: {} of {} failed: {}", mode, galera.name(), e.getMessage());
                try {
                    galera.stop(); // what a failed start left running is stopped cleanly before the next decision
                    post.accept(() -> machine.get().started(false, e.getMessage()));
                } catch (IOException stop) {
                    post.accept(() -> machine.get().stopped(false, stop.getMessage()));
                }
            }
        });
    }

    @Override
    public void stopGalera(String reason) {
        galeraWorker.execute(() -> {
            try {
                galera.stop();
                post.accept(() -> machine.get().stopped(true, "stopped (" + reason + ")"));
            } catch (IOException e) {
                post.accept(() -> machine.get().stopped(false, e.getMessage()));
            }
        });
    }

    @Override
    public void takeVip(String reason) {
        for (VrrpInstance v : vips) {
            Logger.info("cluster: taking VIP {} {}: {}", v.name(), v.config().vips(), reason);
            v.takeOver();
        }
    }

    @Override
    public void releaseVip(String reason) {
        for (VrrpInstance v : vips) {
            Logger.warn("cluster: releasing VIP {} {}: {}", v.name(), v.config().vips(), reason);
            v.release();
        }
    }

    @Override
    public void fence(Election.Member node, String reason) {
        Logger.warn("cluster: fencing {} ({})", node.name(), reason);
        fenceLane.call(() -> {
            FencingConfig.NodeFencing f = config.fencing().nodes().stream()
                    .filter(n -> n.name().equalsIgnoreCase(node.name())).findFirst().orElse(null);
            if (f == null) {
                return new FenceAnswer(false, "no fencing configured for " + node.name());
            }
            if (members.get().contains(node.nodeId())) {
                // back in the group before its fence began: the machine decides again from what it now says
                return new FenceAnswer(false, "not fenced: back in the group");
            }
            FenceCoordinator.Outcome o = coordinator.fence(FencePlans.plan(config.fencing(), f),
                    FenceCoordinator.Action.OFF, () -> !members.get().contains(node.nodeId()), step -> {
                    });
            return new FenceAnswer(o.fenced(), o.summary());
        }, (FenceAnswer a, Exception failure) -> {
            if (failure instanceof InterruptedException) {
                return; // shutting down
            }
            machine.get().fenced(node.nodeId(), a != null && a.fenced(), a != null ? a.detail() : failure.getMessage());
        });
    }

    private record FenceAnswer(boolean fenced, String detail) {
    }

    /** The fence lane: fences and the devices' reads between fences, one device call at a time. */
    Lane fenceLane() {
        return fenceLane;
    }

    @Override
    public void broadcast(ClusterMessage m) {
        byte[] bytes = m.encode();
        sender.execute(() -> {
            Cpg c = cpg.get();
            if (c == null) {
                return; // not connected: the state is said again on the next membership
            }
            try {
                c.send(bytes);
            } catch (CorosyncException e) {
                Logger.warn("cluster: sending {} to the group: {}", m, e.getMessage());
            }
        });
    }

    @Override
    public void transition(Phase from, Phase to, String reason) {
        String line = from + " -> " + to + ": " + reason;
        Logger.info("cluster: {}", line);
        synchronized (transitions) {
            transitions.addLast(java.time.LocalTime.now().withNano(0) + " " + line);
            while (transitions.size() > 20) {
                transitions.removeFirst();
            }
        }
    }

    @Override
    public void decision(String what) {
        Logger.info("cluster: {}", what);
    }

    @Override
    public void shutdownComplete() {
        shutdownDone.complete(null);
    }

    void close() {
        galeraWorker.shutdownNow();
        fenceLane.close();
        sender.shutdownNow();
    }
}
