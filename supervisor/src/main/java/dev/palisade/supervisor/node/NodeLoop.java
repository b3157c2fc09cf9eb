package dev.palisade.supervisor.node;

import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.failover.FailoverMachine.Event;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.resources.DrbdResource;
import dev.palisade.supervisor.resources.Resource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The node's decisions, on one loop ({@link Scheduler}): heartbeat events and frames, monitor results, operator
 * commands and DRBD's fence-peer requests become events of the {@link FailoverMachine}; what it asks for is done
 * by {@link FailoverEffects}. Nothing here blocks or reads a clock of its own, so the simulation drives this same
 * class under virtual time. After every event it publishes what the heartbeats announce and a {@link NodeStatus}
 * snapshot that other threads read. Every method but {@link #status()} runs on the loop.
 */
public final class NodeLoop {
    /** The VRRP instances' addresses, as status shows them (none in the simulation). */
    public interface VipView {
        List<NodeStatus.Vip> vips();
    }

    private static final int HISTORY = 20;

    private final NodeSettings settings;
    private final Scheduler loop;
    private final GroupRunner runner;
    private final FenceWorker fenceWorker;
    private final FenceDeviceMonitor fenceMonitor;
    private final Lane fenceLane;
    private final FenceCoordinator.Plan peerPlan;
    private final String peerPlanError;
    private final PeerLink link;
    private final VipView vips;
    private final long incarnation;
    private final FailoverMachine machine;
    private final Deque<NodeStatus.Transition> history = new ArrayDeque<>();
    private long peerHeardAt = -1;
    private boolean peerVerifiedOff;
    private long stateSince;
    private String reason = "starting";
    private boolean started;
    private Recorder recorder = Recorder.NONE;
    private FenceCoordinator.Outcome recordedFence;
    private volatile NodeStatus status;

    public NodeLoop(NodeSettings settings, Scheduler loop, Lane fenceLane, Lane resourceLane, List<Resource> resources,
                    FenceCoordinator.Plan peerPlan, String peerPlanError, long incarnation, PeerLink link, VipView vips) {
        this.settings = settings;
        this.loop = loop;
        this.runner = new GroupRunner(resources, resourceLane, loop);
        this.peerPlan = peerPlan;
        this.peerPlanError = peerPlan == null ? (peerPlanError != null ? peerPlanError : "no fencing plan") : null;
        this.fenceWorker = peerPlan == null ? null : new FenceWorker(loop, fenceLane, peerPlan);
        this.fenceMonitor = peerPlan == null ? null : new FenceDeviceMonitor(loop, fenceLane, fenceWorker::running, peerPlan,
                settings.fenceMonitorInterval(), () -> link.peerState().heard());
        this.fenceLane = fenceLane;
        this.link = link;
        this.vips = vips;
        this.incarnation = incarnation;
        this.stateSince = loop.wallMillis();
        this.machine = new FailoverMachine(settings.home(), settings.autoFailback(), settings.failurePolicy(),
                incarnation, new FailoverEffects(this));
        this.status = snapshot();
    }

    NodeSettings settings() {
        return settings;
    }

    /** Who hears every transition and fence outcome (before {@link #start()}; none by default). */
    public void recordTo(Recorder r) {
        this.recorder = r;
    }

    Scheduler scheduler() {
        return loop;
    }

    GroupRunner runner() {
        return runner;
    }

    FenceWorker fenceWorker() {
        return fenceWorker;
    }

    FenceCoordinator.Plan peerPlan() {
        return peerPlan;
    }

    String peerPlanError() {
        return peerPlanError;
    }

    FailoverMachine machine() {
        return machine;
    }

    /**
     * Before the node joins: nothing of the group may run here unless it holds it (a supervisor restarted while
     * the machine kept running). {@code done} hears null when the group is verified stopped, or why the node must
     * not join.
     */
    public void startupCheck(Consumer<String> done) {
        new StartupCheck(runner).run(done);
    }

    /** Joins: publishes the first announcement and starts the monitors. */
    public void start() {
        started = true;
        publish();
        scheduleMonitor();
        scheduleRefresh();
        if (fenceMonitor != null) {
            fenceMonitor.start();
        }
        Logger.info("supervisor {} (peer {}, incarnation {}): {} resource(s){}, home node {}, auto_failback {},"
                        + " migration threshold {} in {} s", settings.node(), settings.peer(), incarnation, runner.size(),
                runner.size() == 0 ? "" : " " + runner.resources().stream().map(Resource::name).toList(),
                settings.home() ? "yes" : "no", settings.autoFailback() ? "on" : "off",
                settings.failurePolicy().threshold(), settings.failurePolicy().windowMillis() / 1000);
    }

    /** The snapshot is republished every second at least, so a reader can tell a live loop from a hung one. */
    private void scheduleRefresh() {
        loop.schedule(1000, () -> {
            status = snapshot();
            scheduleRefresh();
        });
    }

    private void scheduleMonitor() {
        loop.schedule(settings.monitorInterval().toMillis(), () -> {
            monitor();
            scheduleMonitor();
        });
    }

    /** Feeds one event to the machine and publishes. */
    FailoverMachine.Outcome handle(Event e) {
        FailoverMachine.Outcome o = machine.handle(e, null);
        publish();
        return o;
    }

    /** A tracker event from membership. */
    public void peerEvent(PeerTracker.Event e) {
        if (e.kind() == PeerTracker.Event.Kind.PEER_DEAD) {
            machine.handle(Event.PEER_DEAD, null);
            if (e.neverHeard()) {
                machine.handle(Event.INITDEAD_EXPIRED, null);
            }
        }
        publish();
    }

    /** A fresh, authentic frame from the peer. */
    public void peerFrame(HeartbeatFrame f) {
        HeartbeatFrame.Status s = f.status();
        peerHeardAt = loop.nanos();
        peerVerifiedOff = false;
        machine.handle(Event.PEER_HEARD, new FailoverMachine.PeerView(State.fromWire(s.state()), s.desire(), s.claim(),
                s.grant(), s.wantsRelease(), s.leaving(), f.incarnation(), f.seqno()));
        publish();
    }

    private void monitor() {
        runner.monitor(this::monitored);
        if (machine.blocked() != null) {
            runner.blocker(why -> {
                if (why == null && machine.blocked() != null) {
                    Logger.info("failover: what kept the group from starting here is gone: trying again");
                    handle(Event.DATA_READY);
                }
            });
        }
    }

    private void monitored(List<Resource.Status> statuses) {
        State s = machine.state();
        if (s == State.ACTIVE) {
            for (int i = 0; i < statuses.size(); i++) {
                if (statuses.get(i) != Resource.Status.RUNNING) {
                    Logger.error("monitor: {} is {} on the active node", runner.resources().get(i).name(), statuses.get(i));
                    machine.resourceFailed(i, loop.nanos() / 1_000_000);
                    break;
                }
            }
        } else if ((s == State.INITDEAD || s == State.STANDBY) && !machine.holding()) {
            List<String> stray = new ArrayList<>();
            for (int i = 0; i < statuses.size(); i++) {
                if (statuses.get(i) != Resource.Status.STOPPED) {
                    stray.add(runner.resources().get(i).name() + " (" + statuses.get(i) + ")");
                }
            }
            if (!stray.isEmpty()) {
                Logger.error("monitor: {} on this node, which does not hold the group: stopping it", stray);
                machine.handle(Event.STRAY_RESOURCE, null);
            }
        }
        publish();
    }

    /** A start was refused for data; the machine waits. */
    void refused(String why) {
        machine.startRefused(why);
        publish();
    }

    void fenced(FenceCoordinator.Outcome o) {
        if (o.fenced()) {
            peerVerifiedOff = true;
        }
        if (o != recordedFence) { // one fence that answered several requests is recorded once
            recordedFence = o;
            recorder.fenced(o, loop.wallMillis());
        }
    }

    void transitioned(NodeStatus.Transition t) {
        history.addLast(t);
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
        stateSince = t.atMillis();
        reason = t.reason();
        recorder.transition(t);
    }

    /** An operator's command (any but FENCE_PEER); the answer says what the node really did. */
    public String command(ControlCommand c) {
        return switch (c.kind()) {
            case STATUS -> StatusText.render(status, loop.wallMillis());
            case LINKS -> StatusText.links(status, loop.wallMillis());
            case RESOURCES -> StatusText.resources(status);
            case EVENTS, FENCE_HISTORY -> "error: " + c.kind().words() + " is answered from the history, not the loop";
            case CLEANUP -> {
                machine.clearFailures();
                publish();
                yield "ok: cleanup: monitor failures forgotten (0 of " + settings.failurePolicy().threshold() + ")";
            }
            case PROMOTE_CONSISTENT -> promoteConsistent(c.argument());
            case FENCE_PEER -> "error: fence-peer is DRBD's handler's request, answered by fencePeerForReplication";
            default -> {
                State from = machine.state();
                FailoverMachine.Outcome o = handle(switch (c.kind()) {
                    case STANDBY -> Event.CMD_STANDBY;
                    case UNSTANDBY -> Event.CMD_UNSTANDBY;
                    case SWITCHOVER -> Event.CMD_SWITCHOVER;
                    case MAINTENANCE_ON -> Event.CMD_MAINTENANCE_ON;
                    case MAINTENANCE_OFF -> Event.CMD_MAINTENANCE_OFF;
                    default -> throw new IllegalStateException("not an operator's command to the machine: " + c);
                });
                State to = machine.state();
                yield (o.acted() ? "ok: " : "refused: ") + c.kind().words() + ": " + o.what() + " (" + from
                        + (from != to ? " -> " + to : "") + ")";
            }
        };
    }

    private String promoteConsistent(String resource) {
        List<DrbdResource> drbd = new ArrayList<>();
        for (Resource r : runner.resources()) {
            if (r instanceof DrbdResource d && (resource == null || d.resource().equals(resource))) {
                drbd.add(d);
            }
        }
        if (drbd.isEmpty()) {
            return "error: promote-consistent: " + (resource == null ? "the group has no DRBD resource"
                    : "the group has no DRBD resource '" + resource + "'");
        }
        if (machine.blocked() == null) {
            return "refused: promote-consistent: the group is not waiting for data here (" + machine.state()
                    + "); nothing was changed";
        }
        for (DrbdResource d : drbd) {
            d.allowConsistentOnce();
        }
        State before = machine.state();
        FailoverMachine.Outcome o = handle(Event.DATA_READY);
        return "ok: promote-consistent " + drbd.stream().map(DrbdResource::resource).toList() + ": the next start"
                + " may force a Consistent disk (logged); " + o.what() + " (" + before + " -> " + machine.state() + ")";
    }

    /**
     * DRBD's fence-peer handler asks for the peer to be fenced now (its levels, verified off, no delay: DRBD
     * already froze I/O and only the answer releases it) for DRBD resource {@code drbdResource} (null: any). First,
     * on the fence lane (DRBD may be blocked in a promotion on the resource lane, waiting for this very answer),
     * this node's disk is checked: a fence for a promotion of a disk that is not UpToDate is refused
     * ({@link DrbdResource#fencePeerRefusal}). {@code reply} hears "fenced: ..." or "error: ...".
     */
    public void fencePeerForReplication(String drbdResource, Consumer<String> reply) {
        if (fenceWorker == null) {
            reply.accept("error: " + peerPlanError);
            return;
        }
        List<DrbdResource> disks = new ArrayList<>();
        for (Resource r : runner.resources()) {
            if (r instanceof DrbdResource d && (drbdResource == null || d.resource().equals(drbdResource))) {
                disks.add(d);
            }
        }
        fenceLane.call(() -> {
            for (DrbdResource d : disks) {
                String refusal = d.fencePeerRefusal();
                if (refusal != null) {
                    return refusal;
                }
            }
            return null;
        }, (refusal, failure) -> {
            if (failure != null || refusal != null) {
                String why = failure != null ? "cannot read this node's DRBD state: " + failure.getMessage() : refusal;
                Logger.error("fence {}: DRBD's fence-peer handler refused: {}", settings.peer(), why);
                reply.accept("error: refusing to fence: " + why);
                return;
            }
            Logger.warn("fence {}: asked by DRBD's fence-peer handler (replication link lost, or a promotion while"
                    + " disconnected)", settings.peer());
            fenceWorker.fence(Duration.ZERO, () -> true, o -> {
                fenced(o);
                publish();
                reply.accept((o.fenced() ? "fenced: " : "error: ") + o.summary());
            });
        });
    }

    /** An orderly shutdown: true when the node holds nothing and now says it is leaving. */
    public boolean leave() {
        boolean ok = machine.leave();
        publish();
        return ok;
    }

    /** The state and whether the group is held (on the loop). */
    public State state() {
        return machine.state();
    }

    public boolean holding() {
        return machine.holding();
    }

    /** The last snapshot (any thread). */
    public NodeStatus status() {
        return status;
    }

    private void publish() {
        if (started) {
            FailoverMachine.PeerView me = machine.announce();
            link.announce(new HeartbeatFrame.Status(me.state().wire(), me.desire(), me.claim(), me.grant(),
                    me.wantsRelease(), me.leaving()));
        }
        status = snapshot();
    }

    private NodeStatus snapshot() {
        long now = loop.nanos();
        PeerTracker.PeerState ms = link.peerState();
        boolean heardNow = ms.heard();
        FenceCoordinator.Outcome last = fenceWorker == null ? null : fenceWorker.last();
        NodeStatus.Fencing fencing = new NodeStatus.Fencing(peerPlan == null ? null : peerPlan.levels().size()
                + " level(s), delay " + peerPlan.delay().toMillis() + " ms + " + settings.priorityDelay().toMillis()
                + " ms when this node does not hold the group", peerPlanError, settings.priorityDelay().toMillis(),
                last == null ? null : last.summary(), fenceWorker != null && fenceWorker.running(),
                fenceMonitor == null ? 0 : fenceMonitor.interval().toMillis(),
                fenceMonitor == null ? List.of() : fenceMonitor.checks());
        List<NodeStatus.ResourceView> rs = new ArrayList<>();
        for (GroupRunner.Reported r : runner.reported()) {
            rs.add(new NodeStatus.ResourceView(r.name(), r.status()));
        }
        return new NodeStatus(loop.wallMillis(), settings.node(), incarnation, machine.state(), stateSince, reason,
                machine.blocked(), new NodeStatus.Peer(settings.peer(), machine.peer().state(), heardNow, ms,
                peerHeardAt < 0 ? -1 : (now - peerHeardAt) / 1_000_000, link.peerIncarnation(), peerVerifiedOff),
                link.links(), fencing, List.copyOf(rs), machine.failureCount(now / 1_000_000), settings.failurePolicy(),
                vips.vips(), List.copyOf(history), drbd());
    }

    private List<dev.palisade.drivers.storage.DrbdState> drbd() {
        List<dev.palisade.drivers.storage.DrbdState> out = new ArrayList<>();
        for (Resource r : runner.resources()) {
            if (r instanceof DrbdResource d && d.lastState() != null) {
                out.add(d.lastState());
            }
        }
        return List.copyOf(out);
    }
}
