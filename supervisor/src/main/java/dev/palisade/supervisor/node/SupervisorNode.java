package dev.palisade.supervisor.node;

import dev.palisade.drivers.platform.HardwareWatchdog;
import dev.palisade.drivers.platform.ServiceNotifier;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.config.VrrpConfig;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FenceDevice;
import dev.palisade.supervisor.fencing.FencePlans;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.Incarnation;
import dev.palisade.supervisor.membership.Membership;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.resources.Resource;
import dev.palisade.supervisor.resources.ResourceFactory;
import dev.palisade.supervisor.vrrp.VrrpInstance;
import dev.palisade.supervisor.vrrp.VrrpMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * One running supervisor, wired: the configuration's resources, VRRP instances and fencing plan, heartbeat
 * membership, and the {@link NodeLoop} on its {@link LoopThread} with a fence lane and a resource lane. Other
 * threads (membership's, the control socket's) only post to the loop. A thread that dies takes the process
 * down through the {@link FatalHandler}: heartbeats stop at once and the process halts, so the peer fences
 * this node instead of hearing a half-alive one.
 */
public final class SupervisorNode implements AutoCloseable {
    /** How long the start-up check may take before the node gives up joining. */
    private static final long STARTUP_CHECK_MILLIS = 15 * 60_000L;

    private final SupervisorConfig config;
    private final FenceKey key;
    private final FatalHandler fatal;
    private final ServiceNotifier notifier;
    private final HardwareWatchdog hardwareWatchdog;
    private boolean ready;
    private long extendedAt;
    private final Map<String, VrrpInstance> vrrp = new LinkedHashMap<>();
    private final List<Resource> resources = new ArrayList<>();
    private LoopThread loop;
    private ThreadLane fenceLane;
    private ThreadLane resourceLane;
    private volatile Membership membership;
    private volatile NodeLoop node;
    private volatile boolean closed;
    private volatile boolean stopping;
    private final dev.palisade.supervisor.status.NodeCounters counters = new dev.palisade.supervisor.status.NodeCounters();
    private volatile dev.palisade.supervisor.history.History history;
    private volatile long lastTurnNanos;
    /** The loop turns at least every 200 ms; this long without a turn means it is stuck. */
    private static final long LOOP_STUCK_NANOS = 5_000_000_000L;

    /** A supervisor whose dying threads halt the process (production), without a service manager. */
    public SupervisorNode(SupervisorConfig config, FenceKey key) {
        this(config, key, null, ServiceNotifier.NONE, null);
    }

    /** With {@code fatal} in place of halting the process (tests); null for production. */
    public SupervisorNode(SupervisorConfig config, FenceKey key, FatalHandler fatal) {
        this(config, key, fatal, ServiceNotifier.NONE, null);
    }

    /**
     * Production: {@code notifier} tells systemd (READY=1 once the first state is decided, STATUS= on every change,
     * WATCHDOG=1 from the node loop itself, EXTEND_TIMEOUT_USEC= while a start or stop of the group runs during
     * start-up or shutdown); {@code hardwareWatchdog} (or null) is kicked from the loop too.
     */
    public SupervisorNode(SupervisorConfig config, FenceKey key, FatalHandler fatal, ServiceNotifier notifier,
                          HardwareWatchdog hardwareWatchdog) {
        this.config = config;
        this.key = key;
        this.fatal = fatal != null ? fatal : this::halt;
        this.notifier = notifier;
        this.hardwareWatchdog = hardwareWatchdog;
    }

    /**
     * After every turn of the loop, on the loop: the keepalives that prove it turns (a hung or dead loop stops
     * them, and systemd restarts the service while the peer fences this node), readiness once the node has left
     * INITDEAD, the status line, and more time for systemd while the node waits out initdead or the group starts or
     * stops during start-up or shutdown (a long initdead or a MariaDB recovery can outlast TimeoutStartSec).
     */
    private void turned() {
        lastTurnNanos = System.nanoTime();
        notifier.watchdog();
        if (hardwareWatchdog != null) {
            hardwareWatchdog.kick();
        }
        NodeLoop n = node;
        if (n == null || membership == null) {
            return;
        }
        NodeStatus s = n.status();
        String line = StatusText.line(s);
        if (!ready && s.state() != State.INITDEAD) {
            ready = true;
            notifier.ready(line);
        }
        notifier.status(line);
        // INITDEAD too: READY waits for the first decision, and an initdead imported from ha.cf (60 s, 120 s) would
        // otherwise outlast TimeoutStartSec and have systemd kill a node that only waits for its peer
        boolean busy = s.state() == State.INITDEAD || s.state() == State.STARTING || s.state() == State.RELEASING
                || s.state() == State.RECOVERING;
        long now = System.nanoTime();
        if (busy && (!ready || stopping) && now - extendedAt > 10_000_000_000L) {
            extendedAt = now;
            notifier.extendTimeout(java.time.Duration.ofSeconds(30));
        }
    }

    private void halt(String where, Throwable cause) {
        Logger.error(cause, "supervisor: {} died: stopping the heartbeats and exiting (the peer fences this node;"
                + " systemd restarts the supervisor)", where);
        Membership m = membership;
        if (m != null) {
            m.silence();
        }
        Runtime.getRuntime().halt(70);
    }

    /** Starts everything; resources are built (and their lines checked) before anything else runs. */
    public void start() throws IOException {
        if (config.groups().size() > 1) {
            throw new IOException(config.groups().get(1).position() + ": a second resource group (the first is at "
                    + config.groups().get(0).position() + "); the supervisor runs one group per pair: put every "
                    + "resource in it, in start order");
        }
        FatalHandler dying = (where, e) -> {
            Membership m = membership;
            if (m != null) {
                m.silence();
            }
            fatal.die(where, e);
        };
        loop = new LoopThread("supervisor-loop", dying);
        loop.onTurn(this::turned);
        fenceLane = new ThreadLane("supervisor-fence", loop, dying);
        resourceLane = new ThreadLane("supervisor-resources", loop, dying);
        List<String> vipInstances = config.groups().isEmpty() ? List.of() : config.groups().get(0).vipInstances();
        FenceCoordinator.Plan plan = null;
        String planError = null;
        try {
            for (VrrpConfig.Instance i : config.vrrp().instances()) {
                // an instance that moves with the group runs released until the group takes it
                vrrp.put(i.name(), vipInstances.contains(i.name()) ? VrrpInstance.startReleased(i, line -> { }, dying)
                        : VrrpInstance.start(i, line -> { }, dying));
            }
            ResourceFactory factory = new ResourceFactory(ResourceFactory.Paths.SYSTEM, vrrp);
            if (!config.groups().isEmpty()) {
                for (String line : config.groups().get(0).resources()) {
                    try {
                        resources.add(factory.create(line));
                    } catch (IllegalArgumentException e) {
                        throw new IOException(config.groups().get(0).position() + ": " + e.getMessage(), e);
                    }
                }
            }
            var peerFencing = config.fencing().node(config.peer());
            if (peerFencing.isPresent()) {
                try {
                    plan = FencePlans.plan(config.fencing(), peerFencing.get());
                } catch (IOException e) {
                    planError = e.getMessage();
                }
            } else {
                planError = "no fencing configured for " + config.peer() + "; it can never be taken over from";
            }
            if (planError != null) {
                Logger.error("fencing: {}", planError);
            }
            long incarnation = Incarnation.next(config.stateDir(), System.currentTimeMillis());
            MembershipLink link = new MembershipLink();
            history = dev.palisade.supervisor.history.History.open(config.stateDir(), incarnation, dying);
            node = new NodeLoop(NodeSettings.of(config), loop, fenceLane, resourceLane, resources, plan, planError,
                    incarnation, link, this::vips);
            node.recordTo(Recorder.both(history, counters));
            loop.start();
            loop.post(() -> Logger.info("supervisor loop on {}", dev.palisade.drivers.platform.Realtime.thisThread(5)));
            String refused = onLoop(done -> node.startupCheck(done), STARTUP_CHECK_MILLIS,
                    "start-up: the check of the group did not finish within " + STARTUP_CHECK_MILLIS / 60_000 + " min");
            if (refused != null) {
                throw new IOException(refused);
            }
            membership = new Membership(config, key, incarnation, new Membership.Listener() {
                @Override
                public void event(PeerTracker.Event e) {
                    loop.post(() -> node.peerEvent(e));
                }

                @Override
                public void frame(HeartbeatFrame f) {
                    loop.post(() -> node.peerFrame(f));
                }
            }, dying);
            link.membership = membership;
            loop.post(node::start);
            membership.start();
            if (plan != null) {
                checkTargets(plan);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Says at start-up, loudly, when a fence device cannot see its target (a fence would fail until it is fixed). */
    private void checkTargets(FenceCoordinator.Plan plan) {
        for (FenceCoordinator.Level l : plan.levels()) {
            for (FenceDevice d : l.devices()) {
                fenceLane.call(() -> {
                    d.checkTarget();
                    return null;
                }, (v, failure) -> {
                    if (failure != null) {
                        Logger.error("fencing {}: {} cannot prove it sees its target: {} (fencing through it fails"
                                + " until this is fixed)", config.peer(), d.describe(), failure.getMessage());
                    }
                });
            }
        }
    }

    /** Membership as the node loop sees it; null until membership starts (after the start-up check). */
    private final class MembershipLink implements PeerLink {
        volatile Membership membership;

        @Override
        public void announce(HeartbeatFrame.Status status) {
            Membership m = membership;
            if (m != null) {
                m.announce(status);
            }
        }

        @Override
        public PeerTracker.PeerState peerState() {
            Membership m = membership;
            return m == null ? PeerTracker.PeerState.WAITING : m.peerState();
        }

        @Override
        public List<PeerTracker.LinkView> links() {
            Membership m = membership;
            return m == null ? List.of() : m.links();
        }

        @Override
        public long peerIncarnation() {
            Membership m = membership;
            return m == null ? -1 : m.peerIncarnation();
        }
    }

    private List<NodeStatus.Vip> vips() {
        List<NodeStatus.Vip> out = new ArrayList<>();
        for (VrrpInstance i : vrrp.values()) {
            out.add(new NodeStatus.Vip(i.name(), String.valueOf(i.config().vips()), i.state() == VrrpMachine.State.MASTER,
                    String.valueOf(i.state())));
        }
        return out;
    }

    /** Runs {@code work} on the loop (it answers through its consumer) and waits for the answer or the deadline. */
    private <T> T onLoop(java.util.function.Consumer<java.util.function.Consumer<T>> work, long millis, T ifLate) {
        CompletableFuture<T> done = new CompletableFuture<>();
        loop.post(() -> work.accept(done::complete));
        try {
            return done.get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return ifLate;
        }
    }

    private <T> T onLoop(Supplier<T> work, T ifLate) {
        return onLoop(done -> done.accept(work.get()), 5000, ifLate);
    }

    /** One control socket line; the answer says what the node did (or why it refused). */
    public String command(String line) {
        NodeLoop n = node;
        ControlCommand c;
        try {
            c = ControlCommand.parse(line);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
        if (c.kind() == ControlCommand.Kind.STATUS && "json".equals(c.argument())) {
            return dev.palisade.supervisor.status.StatusJson.render(view()); // answers while starting too
        }
        if (n == null || membership == null) {
            return "error: the supervisor is still starting (checking for leftovers of the group before joining);"
                    + " try again in a moment";
        }
        switch (c.kind()) {
            case STATUS -> {
                return "json".equals(c.argument()) ? dev.palisade.supervisor.status.StatusJson.render(view())
                        : StatusText.render(n.status(), System.currentTimeMillis());
            }
            case LINKS -> {
                return StatusText.links(n.status(), System.currentTimeMillis());
            }
            case RESOURCES -> {
                return StatusText.resources(n.status());
            }
            case EVENTS -> {
                var h = history;
                return c.since() ? dev.palisade.supervisor.history.HistoryText.events(h.eventsSince(c.number()), false)
                        : dev.palisade.supervisor.history.HistoryText.events(h.lastEvents((int) c.number()), true);
            }
            case FENCE_HISTORY -> {
                return dev.palisade.supervisor.history.HistoryText.fences(history.lastFences((int) c.number()));
            }
            default -> {
                // the rest changes the node: on the loop, below
            }
        }
        if (c.kind() == ControlCommand.Kind.FENCE_PEER) {
            return fencePeer(c.argument());
        }
        String answer = onLoop(() -> n.command(c), null);
        return answer != null ? answer : "error: the supervisor loop did not take the command within 5 s";
    }

    /** DRBD's fence-peer handler ({@link NodeLoop#fencePeerForReplication}); waits for the fence's outcome. */
    private String fencePeer(String drbdResource) {
        String answer = onLoop(done -> node.fencePeerForReplication(drbdResource, done), 10 * 60_000L, null);
        return answer != null ? answer : "error: the fence did not finish within 10 min";
    }

    /** Runs {@code task} on the node loop (tests: a task that fails the way a bug would). */
    void postToLoop(Runnable task) {
        loop.post(task);
    }

    public State state() {
        NodeLoop n = node;
        return n == null ? State.INITDEAD : n.status().state();
    }

    /** Everything an operator asks about at 3 a.m., as text. */
    public String status() {
        NodeLoop n = node;
        if (n == null || membership == null) {
            return "node " + config.node() + ": starting (checking for leftovers of the group before joining)\n";
        }
        return StatusText.render(n.status(), System.currentTimeMillis());
    }

    /**
     * What status renderers read ({@code /status}, {@code /metrics}, the page, {@code ctl status --json}): the last
     * snapshot (null while starting), the persisted history, the heartbeat rejections and whether the loop turns.
     * Reads published values only: never waits for the loop or a heartbeat thread.
     */
    public dev.palisade.supervisor.status.StatusView view() {
        NodeLoop n = node;
        Membership m = membership;
        var h = history;
        boolean running = n != null && m != null;
        java.util.Map<String, Long> rejected = m != null ? m.rejectedByReason() : java.util.Map.of();
        return new dev.palisade.supervisor.status.StatusView(config.node(), System.currentTimeMillis(),
                running && !closed && System.nanoTime() - lastTurnNanos < LOOP_STUCK_NANOS, running ? n.status() : null,
                h == null ? List.of() : h.lastEvents(dev.palisade.supervisor.status.StatusView.RECENT),
                h == null ? List.of() : h.lastFences(dev.palisade.supervisor.status.StatusView.RECENT), rejected);
    }

    /** The metrics' counters (transitions, fences) since this process started. */
    public dev.palisade.supervisor.status.NodeCounters counters() {
        return counters;
    }

    /** The last snapshot, or null while starting. */
    public NodeStatus snapshot() {
        NodeLoop n = node;
        return n == null ? null : n.status();
    }

    /**
     * Graceful stop: an active node stops its group first (the peer takes over), waiting at most
     * {@code maxWaitMillis}; then it says it is leaving and everything closes.
     */
    public void shutdown(long maxWaitMillis) {
        NodeLoop n = node;
        stopping = true;
        if (n != null && membership != null && !closed) {
            command("standby");
            long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
            while (System.nanoTime() < deadline) {
                NodeStatus s = n.status();
                if (s.state() == State.FAILED || !s.state().holds()) {
                    break;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    break;
                }
            }
            boolean leaving = onLoop(n::leave, false);
            if (leaving) {
                Logger.info("supervisor: leaving in order (nothing held); the peer needs no fence for our silence");
            } else {
                Logger.warn("supervisor: stopping while {}: the peer will fence this node when it falls silent",
                        n.status().state());
            }
            try {
                Thread.sleep(Math.max(50, config.keepalive().toMillis() * 2)); // the peer hears it on every link
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        if (hardwareWatchdog != null) {
            hardwareWatchdog.close(); // the magic close: an orderly stop disarms it
        }
        if (membership != null) {
            membership.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (fenceLane != null) {
            fenceLane.close();
        }
        if (resourceLane != null) {
            resourceLane.close();
        }
        for (VrrpInstance i : vrrp.values()) {
            i.close();
        }
        if (history != null) {
            history.close();
        }
    }
}
