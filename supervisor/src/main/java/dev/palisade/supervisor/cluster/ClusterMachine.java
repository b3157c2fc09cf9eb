package dev.palisade.supervisor.cluster;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The decisions of one cluster node, as an explicit table of phase x event -> handler, with no I/O and no clock of
 * its own: slow work (recovering the position, starting and stopping Galera, fencing) is asked through
 * {@link Effects} and answers with an event; time comes from an injected {@link Clock}. After every event the
 * machine decides again from what it knows: its quorum, its Galera server, and the {@link GroupView} built from
 * agreed-order deliveries, which every member shares.
 *
 * <p>Rules that never bend:
 * <ul>
 * <li>Nothing is started while the partition is not quorate. A stopped node joins as soon as a member of the
 *     group is in the Primary Component, and then never bootstraps.</li>
 * <li>With no Primary Component anywhere in the group, a node bootstraps only when the {@link Election}, run over
 *     the same deliveries on every member, names it; a missing member blocks the election (unless a member is
 *     marked safe_to_bootstrap, or an operator gave it up: it is fenced first). When every member saved the same
 *     Primary Component view, Galera's own pc.recovery gets one bounded try first.</li>
 * <li>The VIP is held only while the partition is quorate and the local Galera node is Primary, Synced and ready;
 *     anything else releases it at once. It is taken only once every present member saw the claim first, and
 *     taken over from a member lost while holding (or claiming) it only after that member is verified fenced.</li>
 * <li>Data is never wiped: a failed start is retried, never replaced by another node's bootstrap.</li>
 * </ul>
 */
public final class ClusterMachine {
    public enum Event {
        MONITOR, QUORUM, RING, VIEW, PEER_STATE, PEER_FORCED, PEER_FENCED, PEER_CLAIM_SEEN, PEER_PC_FAILED, POSITION_OK,
        POSITION_FAILED,
        START_OK, START_FAILED, STOP_OK, STOP_FAILED, FENCE_OK, FENCE_FAILED, CMD_FORCE, TICK, SHUTDOWN
    }

    /** How a server is started: to join a Primary Component, for Galera's pc.recovery, or as the elected node. */
    public enum StartMode { JOIN, PC_RECOVERY, BOOTSTRAP }

    /** What a look at the local server found. */
    public record GaleraStatus(boolean running, boolean primary, boolean synced, boolean ready) {
        public static final GaleraStatus NOT_RUNNING = new GaleraStatus(false, false, false, false);

        /** Primary, Synced (wsrep_local_state 4) and wsrep_ready ON. */
        public boolean eligible() {
            return running && primary && synced && ready;
        }
    }

    /** What the machine asks of the world; each slow one answers with an event later. */
    public interface Effects {
        /** Read grastate.dat (and run --wsrep-recover when it says -1): POSITION_OK / POSITION_FAILED. */
        void recoverPosition();

        /** Start the server; {@code from} is this node's report (its recovered position): START_OK / START_FAILED. */
        void startGalera(StartMode mode, Report from);

        /** Stop the server cleanly: STOP_OK / STOP_FAILED. */
        void stopGalera(String reason);

        void takeVip(String reason);

        void releaseVip(String reason);

        /** Fence the node (its levels, power verified off): FENCE_OK / FENCE_FAILED. */
        void fence(Election.Member node, String reason);

        /** Send to the group in agreed order. */
        void broadcast(ClusterMessage m);

        void transition(Phase from, Phase to, String reason);

        /** What the node now waits for or decided (said once per change). */
        void decision(String what);

        /** An orderly shutdown is done: nothing is held. */
        void shutdownComplete();
    }

    /** Milliseconds of a monotonic clock. */
    public interface Clock {
        long millis();
    }

    /**
     * The members, this node, how long a quorate node may stay non-Primary before it stops to rejoin, the pause
     * after a failed start (times the failures, up to 6), the pause before fencing a lost VIP holder again, and the
     * member whose data starts a brand-new cluster (null: none named).
     */
    public record Settings(List<Election.Member> members, int localNodeId, Duration nonPrimaryTimeout,
                           Duration startRetry, Duration fenceRetry, Election.Member newClusterFrom) {
    }

    private final Settings settings;
    private final Effects effects;
    private final Clock clock;
    private final GroupView group;
    private final Map<Phase, Map<Event, Runnable>> table = new EnumMap<>(Phase.class);
    private final MachineFacts facts = new MachineFacts();
    private Phase phase = Phase.PROBING;
    private final FenceQueue fences = new FenceQueue();


    /** The local facts the handlers read and set (kept apart so the table stays readable). */
    private static final class MachineFacts {
        boolean quorate;
        /** The ring votequorum announced last (its node list), the ring its last quorum answer was for, the group's. */
        String announcedRing;
        String quorateRing;
        String groupRing;
        GaleraStatus status = GaleraStatus.NOT_RUNNING;
        Report report;
        long nonPrimarySince = -1;
        long startNotBefore;
        int failedStarts;
        boolean vipHeld;
        /** A claim on the VIP is out (STATE says so) and not yet delivered back. */
        boolean claiming;
        boolean shuttingDown;
        boolean shutdownDone;
        boolean resend;
        ClusterMessage.State sent;
        String decision = "";
        // the event's data
        GaleraStatus monitored;
        String detail = "";
        int node;
        Consumer<String> answer;
    }

    public ClusterMachine(Settings settings, Clock clock, Effects effects) {
        this.settings = settings;
        this.clock = clock;
        this.effects = effects;
        this.group = new GroupView(settings.members());
        for (Phase p : Phase.values()) {
            table.put(p, new EnumMap<>(Event.class));
        }
        Runnable decideOnly = () -> {
        };
        Runnable ignore = () -> {
        };
        // events whose facts were taken before the table: every phase just decides again
        for (Phase p : Phase.values()) {
            for (Event e : List.of(Event.QUORUM, Event.RING, Event.VIEW, Event.PEER_STATE, Event.PEER_FORCED,
                    Event.PEER_FENCED, Event.PEER_CLAIM_SEEN, Event.PEER_PC_FAILED, Event.FENCE_OK, Event.FENCE_FAILED,
                    Event.CMD_FORCE, Event.TICK, Event.SHUTDOWN)) {
                on(p, e, decideOnly);
            }
            for (Event e : List.of(Event.MONITOR, Event.POSITION_OK, Event.POSITION_FAILED, Event.START_OK,
                    Event.START_FAILED, Event.STOP_OK, Event.STOP_FAILED)) {
                on(p, e, ignore); // replaced below where the phase expects it
            }
        }
        // ---- what a look at the server means depends on what this node is doing
        on(Phase.PROBING, Event.MONITOR, () -> to(facts.monitored.running() ? Phase.RUNNING : Phase.DOWN,
                facts.monitored.running() ? "a server already runs on the data directory" : "no server runs"));
        for (Phase p : List.of(Phase.DOWN, Phase.REPORTED)) {
            on(p, Event.MONITOR, () -> {
                if (facts.monitored.running()) {
                    to(Phase.RUNNING, "a server runs on the data directory (started outside Palisade?)");
                }
            });
        }
        on(Phase.RUNNING, Event.MONITOR, () -> {
            if (!facts.monitored.running()) {
                to(Phase.DOWN, "the server is gone (it exited or was killed)");
            }
        });
        on(Phase.FAILED, Event.MONITOR, () -> {
            if (!facts.monitored.running()) {
                to(Phase.DOWN, "the server that would not stop is gone");
            }
        });
        // ---- position recovery
        on(Phase.RECOVERING, Event.POSITION_OK, () -> to(Phase.REPORTED, "position " + facts.report));
        on(Phase.RECOVERING, Event.POSITION_FAILED, () -> to(Phase.REPORTED, "position not recoverable ("
                + facts.detail + "); reported as seqno -1, which never wins an election"));
        // ---- starts
        for (Phase p : List.of(Phase.JOINING, Phase.PC_RECOVERY, Phase.BOOTSTRAPPING)) {
            on(p, Event.START_OK, () -> {
                facts.failedStarts = 0;
                to(Phase.RUNNING, "started (" + p + "): " + facts.detail);
            });
            on(p, Event.STOP_FAILED, () -> to(Phase.FAILED, "the server of a failed start did not stop: "
                    + facts.detail));
        }
        on(Phase.JOINING, Event.START_FAILED, () -> failedStart("join failed: " + facts.detail));
        on(Phase.BOOTSTRAPPING, Event.START_FAILED, () -> failedStart("bootstrap failed: " + facts.detail
                + "; retried, never replaced by another node's bootstrap"));
        on(Phase.PC_RECOVERY, Event.START_FAILED, () -> {
            effects.broadcast(new ClusterMessage.PcRecoveryFailed());
            group.pcRecoveryFailed();
            to(Phase.DOWN, "Galera's pc.recovery did not re-form the Primary Component (" + facts.detail
                    + "): the election decides");
        });
        // ---- stops
        on(Phase.STOPPING, Event.STOP_OK, () -> to(Phase.DOWN, "stopped"));
        on(Phase.STOPPING, Event.STOP_FAILED, () -> to(Phase.FAILED, "the server did not stop: " + facts.detail));
    }

    private void on(Phase p, Event e, Runnable handler) {
        table.get(p).put(e, handler);
    }

    /** Every cell of the table (for the test that no phase x event is left unhandled). */
    Map<Phase, Map<Event, Runnable>> table() {
        return table;
    }

    // ------------------------------------------------------------------ inputs (one event each)

    public void monitored(GaleraStatus s) {
        facts.monitored = s;
        if (phase == Phase.RUNNING || phase == Phase.PROBING) {
            facts.status = s;
        }
        fire(Event.MONITOR);
    }

    /** votequorum's answer, for the ring it announced last ({@link #quorumRing}). */
    public void quorum(boolean quorate) {
        facts.quorate = quorate;
        facts.quorateRing = facts.announcedRing;
        fire(Event.QUORUM);
    }

    /**
     * votequorum announced a new membership (its node list notification): its quorum answer for it follows at the
     * end of corosync's sync (exec/votequorum.c: the node list goes out in sync_process, the quorum in
     * sync_activate), so until then the last answer belongs to the old membership.
     */
    public void quorumRing(String ring) {
        facts.announcedRing = ring;
        fire(Event.RING);
    }

    /** The totem ring of the CPG group's last membership change. */
    public void groupRing(String ring) {
        facts.groupRing = ring;
        fire(Event.RING);
    }

    /**
     * Quorate for the membership the group is in now. votequorum and CPG report a membership change over separate
     * connections, and votequorum's quorum answer comes only at the end of the change: a node cut off sees the
     * others leave its group (and votequorum's new node list) a moment before it is told it lost quorum. Acting in
     * that moment (fencing the "lost" VIP holder, bootstrapping) would be a minority acting as the majority, so
     * nothing is started, fenced or taken over until the quorum answer is for the group's own ring. Releasing never
     * waits.
     */
    private boolean mayAct() {
        return facts.quorate && facts.quorateRing != null && facts.quorateRing.equals(facts.groupRing);
    }

    /** The CPG membership (node ids) and who left it (processes only: the totem ring is the same). */
    public void view(Set<Integer> members, Set<Integer> left) {
        view(members, left, false);
    }

    /**
     * The CPG membership (node ids) and who left it; {@code nodesChanged} when nodes left or joined the totem ring
     * (reasons NODEDOWN, NODEUP): CPG tells that before it tells the new ring (exec/cpg.c cpg_sync_activate:
     * downlist and joinlist first, then the totem membership), so until {@link #groupRing} names the new ring,
     * what this node knew of quorum belongs to the old membership and nothing is started, fenced or taken over.
     */
    public void view(Set<Integer> members, Set<Integer> left, boolean nodesChanged) {
        if (nodesChanged) {
            facts.groupRing = null;
        }
        int holder = group.holder();
        if (group.membership(members, left)) {
            facts.resend = true;
        }
        answerClaim(holder);
        fire(Event.VIEW);
    }

    /** A message of the group, delivered in agreed order (this node's own included). */
    public void delivered(int from, ClusterMessage m) {
        if (m instanceof ClusterMessage.State s) {
            int holder = group.holder();
            group.state(from, s);
            answerClaim(holder);
            fire(Event.PEER_STATE);
        } else if (m instanceof ClusterMessage.ClaimSeen c) {
            group.claimSeen(from, c.nodeId());
            fire(Event.PEER_CLAIM_SEEN);
        } else if (m instanceof ClusterMessage.Forced f) {
            group.givenUp(f.nodeId());
            effects.decision(group.name(from) + " gave " + group.name(f.nodeId()) + " up (fenced) for this outage");
            fire(Event.PEER_FORCED);
        } else if (m instanceof ClusterMessage.Fenced f) {
            group.fenced(f.nodeId());
            fire(Event.PEER_FENCED);
        } else {
            group.pcRecoveryFailed();
            fire(Event.PEER_PC_FAILED);
        }
    }

    /** The claim this node sees first changed from {@code before}: it says so, unless the claim is its own. */
    private void answerClaim(int before) {
        int now = group.holder();
        if (now >= 0 && now != before && now != settings.localNodeId() && !facts.vipHeld) {
            effects.broadcast(new ClusterMessage.ClaimSeen(now));
        }
    }

    public void positionRecovered(Report r) {
        facts.report = r;
        fire(Event.POSITION_OK);
    }

    /** The position could not be read or recovered; {@code uuid} is grastate.dat's, when it could be read. */
    public void positionFailed(String why, java.util.UUID uuid) {
        facts.detail = why;
        facts.report = new Report(uuid != null ? uuid : dev.palisade.supervisor.cluster.galera.GraState.ZERO, -1,
                false, true, null);
        fire(Event.POSITION_FAILED);
    }

    public void started(boolean ok, String detail) {
        facts.detail = detail;
        fire(ok ? Event.START_OK : Event.START_FAILED);
    }

    public void stopped(boolean ok, String detail) {
        facts.detail = detail;
        fire(ok ? Event.STOP_OK : Event.STOP_FAILED);
    }

    public void fenced(int node, boolean ok, String detail) {
        FenceQueue.Job job = fences.finished(node);
        if (job != null) {
            if (ok) {
                group.fenced(node);
                effects.broadcast(new ClusterMessage.Fenced(node));
                if (job.answer() != null) {
                    effects.broadcast(new ClusterMessage.Forced(node));
                    job.answer().accept(group.name(node) + " fenced (" + detail + "); the election goes on without it");
                }
            } else if (job.answer() != null) {
                job.answer().accept("error: " + group.name(node) + " NOT fenced (" + detail + "); nothing forced");
            } else if (group.lostHolders().contains(node)) {
                fences.retry(job, clock.millis() + settings.fenceRetry().toMillis());
            }
        }
        fire(ok ? Event.FENCE_OK : Event.FENCE_FAILED);
    }

    /**
     * {@code palisade ctl force-bootstrap NODE}: give up on missing member NODE for this outage, after fencing it;
     * {@code answer} hears the outcome (at once when refused).
     */
    public void forceBootstrap(String name, Consumer<String> answer) {
        Election.Member m = group.member(name);
        String refused = m == null ? "no member '" + name + "' (members: " + group.configured().stream()
                .map(Election.Member::name).toList() + ")"
                : m.nodeId() == settings.localNodeId() ? name + " is this node"
                : group.isMember(m.nodeId()) ? name + " is in the group: it reports like the others; force-bootstrap "
                + "names a member that is gone"
                : !mayAct() ? "this partition is not quorate (or its membership is changing): a minority never "
                + "bootstraps"
                : group.primaryMember(-1) >= 0 ? "the cluster is up (" + group.name(group.primaryMember(-1))
                + " is Primary): nothing to force"
                : group.givenUp().contains(m.nodeId()) ? name + " is already given up" : null;
        if (refused != null) {
            answer.accept("error: " + refused);
            return;
        }
        fences.operator(m.nodeId(), "operator: force-bootstrap " + name, answer);
        fire(Event.CMD_FORCE);
    }

    public void tick() {
        fire(Event.TICK);
    }

    /** Orderly shutdown: release the VIP, stop the server, then {@link Effects#shutdownComplete()}. */
    public void shutdown() {
        facts.shuttingDown = true;
        fire(Event.SHUTDOWN);
    }

    private void fire(Event e) {
        table.get(phase).get(e).run();
        decide();
    }

    private void to(Phase next, String reason) {
        Phase from = phase;
        phase = next;
        if (next != Phase.RUNNING) {
            facts.status = GaleraStatus.NOT_RUNNING;
            facts.nonPrimarySince = -1;
        }
        if (next == Phase.RUNNING && facts.monitored != null && from == Phase.PROBING) {
            facts.status = facts.monitored;
        }
        effects.transition(from, next, reason);
    }

    private void failedStart(String why) {
        facts.failedStarts++;
        long wait = settings.startRetry().toMillis() * Math.min(facts.failedStarts, 6);
        facts.startNotBefore = clock.millis() + wait;
        to(Phase.DOWN, why + " (start " + facts.failedStarts + "; next try in " + wait + " ms at the earliest)");
    }

    // ------------------------------------------------------------------ deciding

    private void decide() {
        boolean eligible = facts.quorate && phase == Phase.RUNNING && facts.status.eligible() && !facts.shuttingDown;
        if (facts.claiming && !eligible) {
            facts.claiming = false;
        }
        if (facts.vipHeld && !eligible) {
            facts.vipHeld = false;
            effects.releaseVip(!facts.quorate ? "the partition is not quorate" : facts.shuttingDown ? "shutting down"
                    : phase != Phase.RUNNING ? "Galera is " + phase : "Galera is not Primary, Synced and ready");
        }
        if (facts.shuttingDown) {
            shuttingDown();
        } else {
            galera();
            vip(eligible);
        }
        // the report goes with REPORTED and PC_RECOVERY: a node that hears of pc.recovery late compares saved views
        ClusterMessage.State now = new ClusterMessage.State(phase, phase == Phase.RUNNING && facts.status.primary(),
                eligible, facts.vipHeld || facts.claiming,
                phase == Phase.REPORTED || phase == Phase.PC_RECOVERY ? facts.report : null);
        if (group.inGroup() && (facts.resend || !now.equals(facts.sent))) {
            facts.resend = false;
            facts.sent = now;
            effects.broadcast(now);
        }
        // a lost holder that came back saying it holds nothing needs no fence any more (the queue drops it)
        FenceQueue.Job next = fences.next(clock.millis(), group.lostHolders());
        if (next != null) {
            effects.fence(group.member(next.node()), next.reason());
        }
    }

    private void shuttingDown() {
        switch (phase) {
            case RUNNING -> {
                to(Phase.STOPPING, "shutting down");
                effects.stopGalera("shutting down");
            }
            case PROBING, DOWN, REPORTED, FAILED -> {
                if (!facts.shutdownDone) {
                    facts.shutdownDone = true;
                    effects.shutdownComplete();
                }
            }
            default -> {
                // RECOVERING, JOINING, PC_RECOVERY, BOOTSTRAPPING, STOPPING: once their work answers
            }
        }
    }

    private void galera() {
        long now = clock.millis();
        switch (phase) {
            case DOWN -> {
                to(Phase.RECOVERING, "reading the position");
                effects.recoverPosition();
            }
            case REPORTED -> stoppedNode(now);
            case RUNNING -> {
                if (mayAct() && facts.status.running() && !facts.status.primary()) {
                    if (facts.nonPrimarySince < 0) {
                        facts.nonPrimarySince = now;
                    } else if (now - facts.nonPrimarySince >= settings.nonPrimaryTimeout().toMillis()) {
                        to(Phase.STOPPING, "not Primary for " + settings.nonPrimaryTimeout().toSeconds()
                                + " s while the partition is quorate: stopped, to rejoin or be elected");
                        effects.stopGalera("not Primary while quorate");
                    }
                } else {
                    facts.nonPrimarySince = -1;
                }
            }
            default -> {
                // the work under way answers with an event
            }
        }
    }

    private void stoppedNode(long now) {
        if (!facts.quorate) {
            decision("waiting for quorum (a minority never starts Galera)");
            return;
        }
        if (!mayAct()) {
            decision("waiting for votequorum and the group to agree on the membership");
            return;
        }
        if (!group.inGroup()) {
            decision("waiting to join the CPG group");
            return;
        }
        int primary = group.primaryMember(settings.localNodeId());
        if (now < facts.startNotBefore) {
            decision("waiting " + (facts.startNotBefore - now) + " ms before starting again");
            return;
        }
        if (primary >= 0) {
            decision("joining: " + group.name(primary) + " is in the Primary Component");
            to(Phase.JOINING, group.name(primary) + " is Primary");
            effects.startGalera(StartMode.JOIN, facts.report);
            return;
        }
        // a member that decided on pc.recovery before this node heard every report (it joined the group later,
        // or the reports came in another order around a membership change) waits for this node: take part
        if (group.pcRecoveryUnderWay() && group.pcRecoveryPossible()) {
            decision("Galera's pc.recovery is under way with the same saved view: taking part");
            to(Phase.PC_RECOVERY, "the others started pc.recovery of view " + facts.report.view());
            effects.startGalera(StartMode.PC_RECOVERY, facts.report);
            return;
        }
        String notReady = group.notReady();
        if (notReady != null) {
            decision("no Primary Component in the group; waiting for " + notReady);
            return;
        }
        if (group.pcRecoveryPossible()) {
            decision("every member saved the same Primary Component view: Galera's pc.recovery first");
            to(Phase.PC_RECOVERY, "every member saved view " + facts.report.view());
            effects.startGalera(StartMode.PC_RECOVERY, facts.report);
            return;
        }
        Election.Outcome o = Election.decide(group.configured(), group.reports(), group.givenUp(),
                settings.newClusterFrom());
        if (o instanceof Election.Winner w && w.member().nodeId() == settings.localNodeId()) {
            decision("elected to bootstrap: " + w.why());
            to(Phase.BOOTSTRAPPING, "elected: " + w.why());
            effects.startGalera(StartMode.BOOTSTRAP, facts.report);
        } else if (o instanceof Election.Winner w) {
            decision("election: " + w.member().name() + " bootstraps (" + w.why() + "); this node joins after it");
        } else {
            decision("election blocked: " + o.why());
        }
    }

    /**
     * The VIP moves by claim: the designated member (the holder, else the lowest eligible) says in its STATE that
     * it holds the VIP, and takes it only when that claim comes back as the first one in the agreed order (every
     * member sees the same first claim; a later one is withdrawn) and every present member has said it saw that
     * claim first ({@link ClusterMessage.ClaimSeen}). Members deciding at different points of the stream therefore
     * never both take it, and neither do the two sides of a partition that cut the stream as claims went out. A member lost while holding it is fenced before anyone claims.
     */
    private void vip(boolean eligible) {
        if (facts.vipHeld || !eligible || !mayAct()) {
            return;
        }
        int self = settings.localNodeId();
        if (facts.claiming && group.holder() >= 0 && group.holder() != self) {
            facts.claiming = false;
            decision(group.name(group.holder()) + " claimed the VIP first");
            return;
        }
        if (group.designatedHolder() != self) {
            return;
        }
        if (!group.lostHolders().isEmpty()) {
            for (int lost : group.lostHolders()) {
                fences.lostHolder(lost, "lost from the group while it held the VIP");
            }
            decision("taking the VIP once " + group.lostHolders().stream().map(group::name).toList()
                    + " (lost while holding it) is fenced");
            return;
        }
        if (group.holder() != self || !facts.claiming) {
            // the STATE that goes out now claims it (also when the group took a claim this node has withdrawn
            // since for the one standing: the withdrawal comes first in the stream, then this claim)
            facts.claiming = true;
            return;
        }
        if (!group.claimSeenByAll()) {
            decision("claimed the VIP: taking it once every member has seen the claim first");
            return;
        }
        facts.claiming = false;
        facts.vipHeld = true;
        effects.takeVip("quorate, Primary, Synced and ready, and its claim came first");
    }

    private void decision(String what) {
        if (!what.equals(facts.decision)) {
            facts.decision = what;
            effects.decision(what);
        }
    }

    // ------------------------------------------------------------------ status

    public Phase phase() {
        return phase;
    }

    public boolean vipHeld() {
        return facts.vipHeld;
    }

    /** A fence was asked and has not answered yet (fence devices are not read meanwhile). */
    public boolean fencing() {
        return fences.underWay();
    }

    public boolean quorate() {
        return facts.quorate;
    }

    public GaleraStatus status() {
        return facts.status;
    }

    public Report report() {
        return facts.report;
    }

    /** The last decision said (what the node waits for, or the election's result). */
    public String lastDecision() {
        return facts.decision;
    }

    GroupView group() {
        return group;
    }

    /** A line per member: its phase and flags as last delivered. */
    public List<String> members() {
        return group.describe();
    }
}
