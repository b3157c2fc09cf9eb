package dev.palisade.supervisor.cluster;

import dev.palisade.drivers.corosync.CorosyncException;
import dev.palisade.drivers.corosync.Cpg;
import dev.palisade.drivers.corosync.RingId;
import dev.palisade.drivers.corosync.Votequorum;
import dev.palisade.supervisor.cluster.galera.GaleraResource;
import dev.palisade.supervisor.cluster.galera.WsrepStatus;
import dev.palisade.supervisor.config.VrrpConfig;
import dev.palisade.supervisor.vrrp.VrrpInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * One node of a cluster of three or more: a Corosync client (votequorum for quorum, a CPG group for membership
 * and agreed-order messages), the Galera resource, the VRRP instances of its VIPs, and fencing, wired to one
 * {@link ClusterMachine} that only the loop thread touches. Corosync's callbacks, the Galera monitor, the
 * workers and the control socket only post to that loop.
 *
 * <p>Threads: {@code cluster-loop} (the machine, ticks; blocks on nothing), {@code cluster-monitor} (the wsrep
 * status, a client process with a 5 s deadline), {@code cluster-galera} (recovery, starts and stops, each with its
 * own deadline), {@code cluster-fence} (fencing and the devices' reads between fences, the coordinator's and the
 * devices' deadlines), {@code cluster-cpg-send} (sends, the call timeout), the two Corosync dispatch threads (4 MiB stacks, every call with the call timeout), the VRRP
 * threads and the control socket's.
 */
public final class ClusterNode {
    private final ClusterConfig config;
    private final GaleraResource galera;
    private final ScheduledExecutorService loop = ClusterThreads.loop("loop");
    private final ScheduledExecutorService monitor = ClusterThreads.loop("monitor");
    private final List<VrrpInstance> vips = new ArrayList<>();
    private final ClusterMachine machine;
    private final ClusterEffects effects;
    private volatile Set<Integer> members = Set.of();
    private volatile Votequorum quorum;
    private volatile Cpg cpg;
    private volatile WsrepStatus lastStatus;
    private volatile RingId ring;
    private volatile String corosyncState = "not connected yet";
    private boolean stopping;
    private final ClusterFenceReads fenceReads;

    public ClusterNode(ClusterConfig config) {
        this.config = config;
        this.galera = new GaleraResource(config.galera());
        dev.palisade.supervisor.node.Scheduler onLoop = scheduler();
        this.effects = new ClusterEffects(config, galera, vips, onLoop, this::machine, () -> cpg, () -> members);
        this.machine = new ClusterMachine(new ClusterMachine.Settings(config.members(), config.self().nodeId(),
                config.nonPrimaryTimeout(), config.startRetry(), Duration.ofSeconds(2),
                config.member(config.newClusterFrom())), () -> System.nanoTime() / 1_000_000, effects);
        this.fenceReads = new ClusterFenceReads(config, onLoop, effects.fenceLane(), machine::fencing,
                id -> members.contains(id));
    }

    /** The cluster loop as the fence device monitors see it. */
    private dev.palisade.supervisor.node.Scheduler scheduler() {
        return new dev.palisade.supervisor.node.Scheduler() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public long wallMillis() {
                return System.currentTimeMillis();
            }

            @Override
            public void post(Runnable task) {
                ClusterNode.this.post(task);
            }

            @Override
            public Timer schedule(long delayMillis, Runnable task) {
                var f = loop.schedule(ClusterThreads.guard("loop", task), delayMillis, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }
        };
    }

    private ClusterMachine machine() {
        return machine;
    }

    /** Starts the VIPs released, the loop, the monitor, and the connection to corosync. */
    public void start() throws IOException {
        for (String name : config.vips()) {
            VrrpConfig.Instance i = config.vrrp().instances().stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow();
            VrrpInstance v = VrrpInstance.startReleased(i, line -> {
            });
            v.release(); // removes an address left on the interface by an earlier run
            vips.add(v);
        }
        loop.scheduleAtFixedRate(ClusterThreads.guard("tick", machine::tick), 250, 250, TimeUnit.MILLISECONDS);
        monitor.scheduleWithFixedDelay(ClusterThreads.guard("monitor", this::monitorOnce), 0,
                config.monitorInterval().toMillis(), TimeUnit.MILLISECONDS);
        post(this::connect);
        post(fenceReads::start);
    }

    private void post(Runnable r) {
        loop.execute(ClusterThreads.guard("loop", r));
    }

    private void monitorOnce() {
        try {
            WsrepStatus s = galera.status();
            lastStatus = s;
            ClusterMachine.GaleraStatus g = s == null ? ClusterMachine.GaleraStatus.NOT_RUNNING
                    : new ClusterMachine.GaleraStatus(true, s.primary(), s.synced(), s.ready());
            post(() -> machine.monitored(g));
        } catch (IOException e) {
            Logger.warn("cluster: looking at {}: {}", galera.name(), e.getMessage());
        }
    }

    /** Connects to corosync (on the loop); on failure, tries again in a second. */
    private void connect() {
        if (stopping) {
            return;
        }
        try {
            quorum = Votequorum.open(new Votequorum.Listener() {
                @Override
                public void quorum(boolean quorate, List<Votequorum.Node> nodes) {
                    post(() -> machine.quorum(quorate));
                }

                @Override
                public void nodeList(RingId r, List<Integer> nodes) {
                    post(() -> machine.quorumRing(r.toString()));
                }

                @Override
                public void closed(String reason) {
                    post(() -> lost("votequorum: " + reason));
                }
            }, config.callTimeout());
            cpg = Cpg.open(config.groupName(), new Cpg.Listener() {
                @Override
                public void deliver(int nodeId, int pid, byte[] message) {
                    ClusterMessage m;
                    try {
                        m = ClusterMessage.decode(message);
                    } catch (ClusterMessage.DecodeException e) {
                        Logger.warn("cluster: dropped a message from node {} ({}): {}", nodeId, e.defect(),
                                e.getMessage());
                        return;
                    }
                    post(() -> machine.delivered(nodeId, m));
                }

                @Override
                public void membership(List<Cpg.Member> now, List<Cpg.Member> left, List<Cpg.Member> joined) {
                    Set<Integer> ids = new TreeSet<>(now.stream().map(Cpg.Member::nodeId).toList());
                    Set<Integer> gone = new TreeSet<>(left.stream().map(Cpg.Member::nodeId).toList());
                    Logger.info("cluster: group {}: members {} (left {}, joined {})", config.groupName(), ids, left,
                            joined);
                    members = ids;
                    boolean nodes = left.stream().anyMatch(m -> m.reason() == Cpg.Reason.NODEDOWN)
                            || joined.stream().anyMatch(m -> m.reason() == Cpg.Reason.NODEUP);
                    post(() -> machine.view(ids, gone, nodes));
                }

                @Override
                public void ring(RingId r, List<Integer> nodes) {
                    ring = r;
                    post(() -> machine.groupRing(r.toString()));
                }

                @Override
                public void closed(String reason) {
                    post(() -> lost("cpg: " + reason));
                }
            }, config.callTimeout());
            if (cpg.localNodeId() != config.self().nodeId()) {
                ClusterThreads.fatal("start-up", new IllegalStateException("corosync says this is node "
                        + cpg.localNodeId() + " but " + config.file() + " says " + config.node() + " is nodeid "
                        + config.self().nodeId() + ": fix the member block"));
            }
            corosyncState = "connected";
            Logger.info("cluster: connected to corosync as node {} ({})", cpg.localNodeId(), config.node());
        } catch (CorosyncException e) {
            corosyncState = "not connected: " + e.getMessage();
            Logger.warn("cluster: corosync: {}; trying again in 1 s", e.getMessage());
            closeCorosync();
            loop.schedule(ClusterThreads.guard("connect", this::connect), 1, TimeUnit.SECONDS);
        }
    }

    /** Corosync went away: no quorum, no group, until a new connection says otherwise. */
    private void lost(String reason) {
        if (quorum == null && cpg == null) {
            return; // both handles tell; the first one did it
        }
        Logger.error("cluster: lost corosync ({}): not quorate until it is back", reason);
        corosyncState = "lost: " + reason;
        closeCorosync();
        Set<Integer> was = members;
        members = Set.of();
        machine.quorum(false);
        machine.view(Set.of(), was);
        loop.schedule(ClusterThreads.guard("connect", this::connect), 1, TimeUnit.SECONDS);
    }

    private void closeCorosync() {
        Cpg c = cpg;
        Votequorum q = quorum;
        cpg = null;
        quorum = null;
        if (c != null) {
            c.close();
        }
        if (q != null) {
            q.close();
        }
    }

    /** {@code palisade ctl} commands: status, force-bootstrap NODE. */
    public String command(String line) {
        String[] w = line.trim().split("\\s+");
        if (w[0].equals("status") && w.length == 1) {
            return ask(this::status, Duration.ofSeconds(5));
        }
        if (w[0].equals("force-bootstrap") && w.length == 2) {
            Logger.warn("cluster: operator: force-bootstrap {} (asked over the control socket)", w[1]);
            CompletableFuture<String> answer = new CompletableFuture<>();
            post(() -> machine.forceBootstrap(w[1], answer::complete));
            try {
                return answer.get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
                return "error: no answer: " + e;
            }
        }
        return "error: unknown command '" + line + "'; commands: status, force-bootstrap NODE";
    }

    private String ask(java.util.function.Supplier<String> s, Duration max) {
        CompletableFuture<String> f = new CompletableFuture<>();
        post(() -> f.complete(s.get()));
        try {
            return f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return "error: the node did not answer within " + max.toSeconds() + " s";
        }
    }

    /** What {@code palisade ctl status} prints (built on the loop). */
    String status() {
        StringBuilder sb = new StringBuilder();
        ClusterMachine.GaleraStatus g = machine.status();
        sb.append("node ").append(config.node()).append(": ").append(machine.phase())
                .append(g.primary() ? " Primary" : "").append(g.synced() ? " Synced" : "")
                .append(g.ready() ? " ready" : "").append(machine.vipHeld() ? ", holds the VIP" : "").append('\n');
        sb.append("corosync: ").append(corosyncState).append(machine.quorate() ? ", quorate" : ", NOT quorate")
                .append(", ring ").append(ring).append(", group ").append(config.groupName()).append(' ')
                .append(members).append('\n');
        sb.append("galera: ").append(lastStatus == null ? "not running" : lastStatus).append('\n');
        if (machine.report() != null && machine.phase() == Phase.REPORTED) {
            sb.append("position: ").append(machine.report()).append('\n');
        }
        sb.append("decision: ").append(machine.lastDecision()).append('\n');
        for (String m : machine.members()) {
            sb.append("member ").append(m).append('\n');
        }
        for (String f : fenceReads.describe()) {
            sb.append(f).append('\n');
        }
        for (VrrpInstance v : vips) {
            sb.append("vip ").append(v.name()).append(' ').append(v.config().vips()).append(": VRRP ")
                    .append(v.state()).append('\n');
        }
        synchronized (effects.transitions) {
            for (String t : effects.transitions) {
                sb.append("  ").append(t).append('\n');
            }
        }
        return sb.toString();
    }

    /** Orderly stop: release the VIP, stop Galera cleanly, leave the group; waits at most {@code max}. */
    public void shutdown(Duration max) {
        post(() -> {
            stopping = true;
            machine.shutdown();
        });
        try {
            effects.shutdownDone.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Logger.warn("cluster: shutdown did not finish within {} s: {}", max.toSeconds(), e.toString());
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        post(() -> {
            closeCorosync();
            closed.complete(null);
        });
        try {
            closed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Logger.warn("cluster: leaving the group: {}", e.toString());
        }
        for (VrrpInstance v : vips) {
            v.close();
        }
        monitor.shutdownNow();
        loop.shutdownNow();
        effects.close();
    }
}
