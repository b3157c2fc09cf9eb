package dev.palisade.supervisor.failover;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one place that decides takeover, handback and standby for one node of the pair: an explicit table of
 * state x event -> cell, no I/O and no clock of its own (timers belong to the caller: the node loop in
 * production, simulated time in tests). Every cell is either a handler or declared ignored with the reason,
 * and the constructor refuses a table with a hole. Slow work (fencing, starting and stopping the resource
 * group) is asked for through {@link Effects} and its outcome comes back as an event. Every transition is
 * reported with its reason, and every event's {@link Outcome} says what the machine did with it (an operator's
 * command is answered with it).
 *
 * <p>Safety rules that never bend:
 * <ul>
 * <li>Resources start only when the peer is verified fenced, or the peer, idle and heard, granted our claim
 *     to start in a heartbeat newer than the claim; a peer that is silent or failed is fenced first. A node
 *     grants only while idle and not claiming, and starts only with a grant, so two nodes never start on
 *     views of each other that crossed in flight.</li>
 * <li>A stop that failed is never reported as done: the node goes FAILED, says so to the peer, which fences
 *     it before taking over.</li>
 * <li>A fence of a silent peer is wanted only while the peer stays silent (or says FAILED); a peer heard again
 *     in any other state is not shot, whichever state this node is in.</li>
 * <li>When a resource refuses to start because its data may be stale (a DRBD disk that is only Consistent),
 *     the node does not retry on its own: it waits, yielding, until the data is ready or an operator decides.</li>
 * <li>When both nodes are alive and idle, the one that wants the resources more claims them (an operator's
 *     switchover, then the home node, then the other; a node yielding them or in standby last).</li>
 * </ul>
 */
public final class FailoverMachine {
    /** Our state, also what the peer hears in our heartbeats (new states are appended: the wire number is fixed). */
    public enum State {
        INITDEAD, STANDBY, FENCING, STARTING, ACTIVE, RELEASING, FAILED, MAINTENANCE,
        /** Restarting a failed resource (and those after it) in place, before handing the group over. */
        RECOVERING;

        /** The state's number in a heartbeat frame (0 there means "not said"). */
        public int wire() {
            return ordinal() + 1;
        }

        /** The state a heartbeat frame's number names, or null for 0 and numbers this version does not know. */
        public static State fromWire(int n) {
            return n >= 1 && n <= values().length ? values()[n - 1] : null;
        }

        /** Holds (or may hold) the group in this state. */
        public boolean holds() {
            return this == STARTING || this == ACTIVE || this == RELEASING || this == RECOVERING || this == FAILED;
        }
    }

    public enum Event {
        /** A heartbeat from the peer carrying its state (see {@link PeerView}). */
        PEER_HEARD,
        /** Every heartbeat link silent past deadtime. */
        PEER_DEAD,
        /** initdead passed without hearing the peer. */
        INITDEAD_EXPIRED,
        FENCE_OK,
        FENCE_FAILED,
        /** Fencing was cancelled because it was no longer wanted when it was about to act. */
        FENCE_CANCELLED,
        START_OK,
        START_FAILED,
        /** A resource refused to start because its data may be stale; retrying alone would not help. */
        START_REFUSED,
        STOP_OK,
        STOP_FAILED,
        /** A running resource's monitor failed (see {@link #resourceFailed}). */
        RESOURCE_FAILED,
        /** A monitor found a resource of the group running (or not readable) on a node that does not hold it. */
        STRAY_RESOURCE,
        /** What kept the group from starting is gone (the data is ready, or an operator decided). */
        DATA_READY,
        /** Retry timer (fencing again after a failed attempt). */
        RETRY,
        CMD_STANDBY,
        CMD_UNSTANDBY,
        CMD_SWITCHOVER,
        CMD_MAINTENANCE_ON,
        CMD_MAINTENANCE_OFF;

        public boolean command() {
            return name().startsWith("CMD_");
        }
    }

    /**
     * What a node tells its peer in every heartbeat: its state; how much it wants to run the resources
     * ({@code desire}: -1 not eligible, 0 yielding them, 1 eligible, 2 eligible home node, 3 asked to take them);
     * the claim it makes to start (0 none) and the peer's claim it grants (0 none); whether it asks an active
     * peer to release; whether it is leaving (an orderly shutdown: it holds nothing, verified, and will stop
     * sending; its silence then needs no fence); its incarnation (boot) and a generation that grows with every
     * heartbeat.
     */
    public record PeerView(State state, int desire, long claim, long grant, boolean wantsRelease, boolean leaving,
                           long incarnation, long generation) {
        public static final PeerView UNKNOWN = new PeerView(null, -1, 0, 0, false, false, -1, -1);

        public boolean eligible() {
            return desire >= 0;
        }

        boolean idle() {
            return state == State.STANDBY || state == State.INITDEAD;
        }
    }

    /** What the machine asks of the world; each slow one answers with an event later. */
    public interface Effects {
        /** Fence the peer (delay, levels, verified off): FENCE_OK / FENCE_FAILED / FENCE_CANCELLED. */
        void fencePeer();

        /** Start the group in order, each ready before the next: START_OK / START_FAILED / START_REFUSED. */
        void startResources();

        /** Stop the group in reverse, each verified stopped: STOP_OK / STOP_FAILED. */
        void stopResources();

        /**
         * Stop resources from the last down to {@code from}, then start them again from {@code from}:
         * START_OK / START_FAILED / START_REFUSED, or STOP_FAILED when a stop did not stop.
         */
        void restartResources(int from);

        /** Arrange a RETRY event after a while. */
        void retryLater();

        void transition(State from, State to, String reason);
    }

    /** What the machine did with one event: acted, or ignored it, and why in either case (for logs and operators). */
    public record Outcome(boolean acted, String what) {
        static Outcome did(String what) {
            return new Outcome(true, what);
        }

        static Outcome ignored(String why) {
            return new Outcome(false, why);
        }
    }

    /** One cell of the table: a handler returning what it did, or a declared "ignored" with its reason. */
    private interface Cell {
        Outcome run();
    }

    /** How many monitor failures within {@code window} hand the group over (the first ones restart in place). */
    public record FailurePolicy(int threshold, long windowMillis) {
        public static final FailurePolicy DEFAULT = new FailurePolicy(2, 600_000);

        public FailurePolicy {
            if (threshold < 1 || windowMillis <= 0) {
                throw new IllegalArgumentException("threshold " + threshold + ", window " + windowMillis + " ms");
            }
        }
    }

    private final boolean home;
    private final boolean autoFailback;
    private final FailurePolicy failurePolicy;
    private final Effects effects;
    private final Map<State, Map<Event, Cell>> table = new EnumMap<>(State.class);
    private State state = State.INITDEAD;
    private PeerView peer = PeerView.UNKNOWN;
    private boolean peerAlive;
    private boolean operatorStandby;
    /** We handed the resources over (switchover pushed from here, a failed resource): the peer goes first. */
    private boolean yielding;
    /** We ask the peer to release the resources to us (switchover pulled to here, or failback). */
    private boolean wantRelease;
    /** Why the group may not start here now (data that may be stale), or null. */
    private String blocked;
    /** Our standing claim to start (0 none) and the peer's claim we grant (0 none). */
    private long claim;
    private long grant;
    private final long incarnation;
    private long generation;
    /** Resources were started and not yet verified stopped. */
    private boolean holding;
    /** An orderly shutdown: idle, verified, and about to stop sending. */
    private boolean leaving;
    /** A start failed: after the group is stopped, wait for the retry timer before taking over again. */
    private boolean retryAfterRelease;
    /** A fence failed and the retry timer will bring it back. */
    private boolean fenceRetryDue;
    /** initdead has not passed and the peer was never heard: a silent peer is not yet a dead one. */
    private boolean initdeadPending = true;
    /** A fence of the peer asked by this machine and not yet answered. */
    private boolean fenceAsked;
    /** When monitors failed on the group, newest last (for the failure policy). */
    private final Deque<Long> failures = new ArrayDeque<>();
    private int failedResource = -1;
    /** What the last refused start said. */
    private String refusal;

    public FailoverMachine(boolean home, boolean autoFailback, long incarnation, Effects effects) {
        this(home, autoFailback, FailurePolicy.DEFAULT, incarnation, effects);
    }

    public FailoverMachine(boolean home, boolean autoFailback, FailurePolicy failurePolicy, long incarnation,
                           Effects effects) {
        this.home = home;
        this.incarnation = incarnation;
        this.autoFailback = autoFailback;
        this.failurePolicy = failurePolicy;
        this.effects = effects;
        for (State s : State.values()) {
            table.put(s, new EnumMap<>(Event.class));
        }
        initdead();
        standby();
        fencing();
        starting();
        active();
        recovering();
        releasing();
        failed();
        maintenance();
        everywhere();
        for (State s : State.values()) {
            for (Event e : Event.values()) {
                if (!table.get(s).containsKey(e)) {
                    throw new IllegalStateException("no cell for " + s + " x " + e);
                }
            }
        }
    }

    private void initdead() {
        on(State.INITDEAD, Event.PEER_HEARD, () -> decideAsStandby("peer heard at start-up"));
        ignore(State.INITDEAD, Event.PEER_DEAD, "the peer was never heard: initdead decides");
        on(State.INITDEAD, Event.INITDEAD_EXPIRED, () -> {
            if (eligible()) {
                return fence("peer not heard within initdead");
            }
            to(State.STANDBY, "peer not heard within initdead; this node is not eligible (" + notEligibleWhy() + ")");
            return Outcome.did("standing by");
        });
        on(State.INITDEAD, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: the peer has not been heard"
                + " yet, so nobody runs the group to hand it over; wait for the peer or for initdead"));
        on(State.INITDEAD, Event.CMD_MAINTENANCE_ON, () -> maintenance("operator: maintenance"));
        ignoreFences(State.INITDEAD, "no fence of this node's machine runs before it has decided");
        ignoreRuns(State.INITDEAD, "no group run is in progress");
        on(State.INITDEAD, Event.STRAY_RESOURCE, () -> cleanUpStray());
    }

    private void standby() {
        on(State.STANDBY, Event.PEER_HEARD, () -> decideAsStandby(null));
        on(State.STANDBY, Event.PEER_DEAD, () -> {
            if (!eligible()) {
                return Outcome.ignored("peer silent; this node does not take over (" + notEligibleWhy() + ")");
            }
            if (blocked != null) {
                return Outcome.ignored("peer silent; the group cannot start here: " + blocked);
            }
            return takeOverFromSilentPeer("every heartbeat link silent past deadtime");
        });
        ignore(State.STANDBY, Event.INITDEAD_EXPIRED, "already decided");
        on(State.STANDBY, Event.RETRY, () -> {
            if (!retryAfterRelease) {
                return Outcome.ignored("no retry is due");
            }
            retryAfterRelease = false;
            return decideAsStandby("trying again after a failed start");
        });
        on(State.STANDBY, Event.CMD_SWITCHOVER, () -> {
            operatorStandby = false;
            wantRelease = true;
            decideAsStandby("operator: switchover to this node");
            return Outcome.did(peerAlive && peer.state() == State.ACTIVE
                    ? "asked the active peer to release the group to this node"
                    : "this node claims the group (state " + state + ")");
        });
        on(State.STANDBY, Event.CMD_MAINTENANCE_ON, () -> maintenance("operator: maintenance"));
        ignoreFences(State.STANDBY, "no fence of this node's machine is running");
        ignoreRuns(State.STANDBY, "no group run is in progress");
        on(State.STANDBY, Event.STRAY_RESOURCE, () -> cleanUpStray());
    }

    private void fencing() {
        on(State.FENCING, Event.PEER_HEARD, () -> Outcome.did(fenceStillWanted() ? "noted; the fence goes on"
                : "noted; the fence in progress is cancelled before it acts"));
        ignore(State.FENCING, Event.PEER_DEAD, "already fencing the peer");
        ignore(State.FENCING, Event.INITDEAD_EXPIRED, "already decided");
        on(State.FENCING, Event.FENCE_OK, () -> {
            fenceAsked = false;
            if (eligible() && blocked == null) {
                return start("peer fenced: power verified off");
            }
            to(State.STANDBY, "peer fenced: power verified off; not starting ("
                    + (blocked != null ? blocked : notEligibleWhy()) + ")");
            return Outcome.did("standing by");
        });
        on(State.FENCING, Event.FENCE_FAILED, () -> {
            fenceAsked = false;
            fenceRetryDue = true;
            effects.retryLater();
            return Outcome.did("fence failed; trying again shortly");
        });
        on(State.FENCING, Event.RETRY, () -> {
            if (!fenceRetryDue) {
                return Outcome.ignored("no fence retry is due");
            }
            fenceRetryDue = false;
            if (!peerAlive || peer.state() == State.FAILED) {
                fenceAsked = true;
                effects.fencePeer();
                return Outcome.did("fencing again");
            }
            to(State.STANDBY, "peer heard again; fencing abandoned");
            return decideAsStandby(null);
        });
        on(State.FENCING, Event.FENCE_CANCELLED, () -> {
            fenceAsked = false;
            to(State.STANDBY, "peer heard again before the fence acted; fencing cancelled");
            return decideAsStandby(null);
        });
        on(State.FENCING, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: fencing the silent peer;"
                + " this node takes the group once it is verified off"));
        on(State.FENCING, Event.CMD_MAINTENANCE_ON, () -> maintenance("operator: maintenance (the fence in progress"
                + " completes; its result starts nothing)"));
        ignoreRuns(State.FENCING, "no group run is in progress");
        ignore(State.FENCING, Event.STRAY_RESOURCE, "the group starts here once the peer is verified off");
    }

    private void starting() {
        on(State.STARTING, Event.PEER_HEARD, () -> askedToBeFenced());
        on(State.STARTING, Event.PEER_DEAD, () -> fenceUnlessLeft());
        ignore(State.STARTING, Event.INITDEAD_EXPIRED, "already decided");
        on(State.STARTING, Event.START_OK, () -> {
            wantRelease = false;
            yielding = false;
            to(State.ACTIVE, "every resource started and ready");
            if (operatorStandby) {
                return release("operator: standby (asked while starting)", true, false);
            }
            return Outcome.did("active");
        });
        on(State.STARTING, Event.START_FAILED, () -> {
            retryAfterRelease = true; // taking over again at once from a silent peer would only fail again
            return release("a resource did not start", false, true);
        });
        on(State.STARTING, Event.START_REFUSED, () -> refused());
        ignore(State.STARTING, Event.STOP_OK, "the start reports its own end");
        on(State.STARTING, Event.STOP_FAILED, () -> {
            to(State.FAILED, "a start failed and what it had started would not stop: asking the peer to fence this node");
            return Outcome.did("failed");
        });
        ignore(State.STARTING, Event.RESOURCE_FAILED, "the start in progress decides");
        ignore(State.STARTING, Event.STRAY_RESOURCE, "the group is starting here");
        on(State.STARTING, Event.CMD_STANDBY, () -> {
            operatorStandby = true;
            return Outcome.did("standby applied once the start completes");
        });
        on(State.STARTING, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: the group is starting here;"
                + " ask again once this node is ACTIVE"));
        on(State.STARTING, Event.CMD_MAINTENANCE_ON, () -> Outcome.ignored("maintenance refused: the group is"
                + " starting; ask again once this node is ACTIVE"));
        fencesWhileHolding(State.STARTING);
    }

    private void active() {
        on(State.ACTIVE, Event.PEER_HEARD, () -> {
            yielding = false;
            if (peer.wantsRelease() && peer.eligible()) {
                return release("peer asks for the resources (switchover or failback)", false, true);
            }
            return askedToBeFenced();
        });
        on(State.ACTIVE, Event.PEER_DEAD, () -> fenceUnlessLeft());
        ignore(State.ACTIVE, Event.INITDEAD_EXPIRED, "already decided");
        on(State.ACTIVE, Event.RESOURCE_FAILED, () -> {
            int n = failures.size();
            if (n < failurePolicy.threshold()) {
                to(State.RECOVERING, "resource " + failedResource + " failed its monitor (failure " + n + " of "
                        + failurePolicy.threshold() + " within " + failurePolicy.windowMillis() / 1000
                        + " s): restarting it in place");
                effects.restartResources(failedResource);
                return Outcome.did("restarting in place");
            }
            return release("resource " + failedResource + " failed its monitor " + n + " times within "
                    + failurePolicy.windowMillis() / 1000 + " s: handing the group over", false, true);
        });
        ignore(State.ACTIVE, Event.STRAY_RESOURCE, "the group runs here; its monitors report failures instead");
        ignoreRuns(State.ACTIVE, "no group run is in progress");
        on(State.ACTIVE, Event.CMD_STANDBY, () -> release("operator: standby", true, false));
        on(State.ACTIVE, Event.CMD_SWITCHOVER, () -> release("operator: switchover to the peer", false, true));
        on(State.ACTIVE, Event.CMD_MAINTENANCE_ON, () -> maintenance("operator: maintenance"));
        fencesWhileHolding(State.ACTIVE);
    }

    private void recovering() {
        on(State.RECOVERING, Event.PEER_HEARD, () -> askedToBeFenced());
        on(State.RECOVERING, Event.PEER_DEAD, () -> fenceUnlessLeft());
        ignore(State.RECOVERING, Event.INITDEAD_EXPIRED, "already decided");
        on(State.RECOVERING, Event.START_OK, () -> {
            to(State.ACTIVE, "restarted in place; every resource ready");
            if (operatorStandby) {
                return release("operator: standby (asked while restarting)", true, false);
            }
            return Outcome.did("active");
        });
        on(State.RECOVERING, Event.START_FAILED, () -> release("the restart in place failed", false, true));
        on(State.RECOVERING, Event.START_REFUSED, () -> release("the restart in place was refused", false, true));
        ignore(State.RECOVERING, Event.STOP_OK, "the restart reports once it has started again");
        on(State.RECOVERING, Event.STOP_FAILED, () -> {
            to(State.FAILED, "a resource did not stop during the restart in place: asking the peer to fence this node");
            return Outcome.did("failed");
        });
        ignore(State.RECOVERING, Event.RESOURCE_FAILED, "the restart in progress decides");
        ignore(State.RECOVERING, Event.STRAY_RESOURCE, "the group runs here");
        on(State.RECOVERING, Event.CMD_STANDBY, () -> {
            operatorStandby = true;
            return Outcome.did("standby applied once the restart completes");
        });
        on(State.RECOVERING, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: a failed resource is"
                + " being restarted; ask again once this node is ACTIVE"));
        on(State.RECOVERING, Event.CMD_MAINTENANCE_ON, () -> Outcome.ignored("maintenance refused: a failed resource is"
                + " being restarted; ask again once this node is ACTIVE"));
        fencesWhileHolding(State.RECOVERING);
    }

    private void releasing() {
        on(State.RELEASING, Event.PEER_HEARD, () -> askedToBeFenced());
        ignore(State.RELEASING, Event.PEER_DEAD, "stopping the group; the silent peer is taken over from afterwards");
        ignore(State.RELEASING, Event.INITDEAD_EXPIRED, "already decided");
        on(State.RELEASING, Event.STOP_OK, () -> {
            holding = false;
            if (retryAfterRelease && !peerAlive) {
                to(State.STANDBY, "every resource verified stopped after a failed start; trying again shortly");
                effects.retryLater();
                return Outcome.did("standing by; trying again shortly");
            }
            retryAfterRelease = false;
            if (initdeadPending) {
                to(State.INITDEAD, "every resource verified stopped; waiting for the peer (initdead)");
                return Outcome.did("waiting for the peer");
            }
            to(State.STANDBY, "every resource verified stopped; the peer may take over");
            if (!peerAlive && eligible() && blocked == null) {
                return takeOverFromSilentPeer("peer silent while we released");
            }
            return decideAsStandby(null);
        });
        on(State.RELEASING, Event.STOP_FAILED, () -> {
            to(State.FAILED, "a resource did not stop: asking the peer to fence this node before it takes over");
            return Outcome.did("failed");
        });
        ignore(State.RELEASING, Event.START_OK, "no start is in progress");
        ignore(State.RELEASING, Event.START_FAILED, "no start is in progress");
        ignore(State.RELEASING, Event.START_REFUSED, "no start is in progress");
        ignore(State.RELEASING, Event.RESOURCE_FAILED, "the group is being stopped");
        ignore(State.RELEASING, Event.STRAY_RESOURCE, "the group is being stopped");
        on(State.RELEASING, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: the group is being"
                + " stopped here; the peer takes it once it is"));
        on(State.RELEASING, Event.CMD_MAINTENANCE_ON, () -> Outcome.ignored("maintenance refused: the group is being"
                + " stopped; ask again once it is"));
        fencesWhileHolding(State.RELEASING);
    }

    private void failed() {
        String why = "this node is FAILED (a resource did not stop): only a fence by the peer, or a restart of the"
                + " supervisor once an operator has made sure nothing of the group runs here, gets it out";
        on(State.FAILED, Event.PEER_HEARD, () -> Outcome.did("noted; " + why));
        for (Event e : Event.values()) {
            if (e != Event.PEER_HEARD && e != Event.DATA_READY) {
                ignore(State.FAILED, e, (e.command() ? e.name().substring(4).toLowerCase().replace('_', ' ')
                        + " refused: " : "") + why);
            }
        }
    }

    private void maintenance() {
        on(State.MAINTENANCE, Event.PEER_HEARD, () -> Outcome.did("noted; maintenance: nothing is decided"));
        ignore(State.MAINTENANCE, Event.PEER_DEAD, "maintenance: nothing is fenced or taken over");
        ignore(State.MAINTENANCE, Event.INITDEAD_EXPIRED, "maintenance: nothing is decided");
        on(State.MAINTENANCE, Event.CMD_MAINTENANCE_OFF, () -> {
            if (holding) {
                to(State.ACTIVE, "maintenance over; resources still held");
                return Outcome.did("active");
            }
            to(State.STANDBY, "maintenance over");
            return decideAsStandby(null);
        });
        on(State.MAINTENANCE, Event.CMD_MAINTENANCE_ON, () -> Outcome.ignored("already in maintenance"));
        on(State.MAINTENANCE, Event.CMD_SWITCHOVER, () -> Outcome.ignored("switchover refused: in maintenance;"
                + " maintenance off first"));
        ignore(State.MAINTENANCE, Event.RESOURCE_FAILED, "maintenance: monitors are reported, not acted on");
        ignore(State.MAINTENANCE, Event.STRAY_RESOURCE, "maintenance: monitors are reported, not acted on");
        ignoreFences(State.MAINTENANCE, "maintenance: a fence's result starts nothing");
        ignoreRuns(State.MAINTENANCE, "maintenance: no group run is in progress");
    }

    /** Cells that behave the same in every state not already given one. */
    private void everywhere() {
        for (State s : State.values()) {
            Map<Event, Cell> row = table.get(s);
            row.putIfAbsent(Event.CMD_STANDBY, () -> {
                operatorStandby = true;
                if (state == State.STANDBY) {
                    decideAsStandby(null); // withdraw a standing claim at once
                }
                return Outcome.did("standby: this node will not take the group");
            });
            row.putIfAbsent(Event.CMD_UNSTANDBY, () -> {
                boolean was = operatorStandby;
                operatorStandby = false;
                if (state == State.STANDBY) {
                    decideAsStandby("operator: unstandby");
                }
                return was ? Outcome.did("eligible again") : Outcome.ignored("already eligible");
            });
            row.putIfAbsent(Event.CMD_MAINTENANCE_OFF, () -> Outcome.ignored("not in maintenance"));
            row.putIfAbsent(Event.DATA_READY, () -> {
                String was = blocked;
                blocked = null;
                if (state == State.STANDBY && was != null) {
                    return decideAsStandby("ready to start again (" + was + " no longer holds)");
                }
                return was != null ? Outcome.did("the group may start here again") : Outcome.ignored("nothing waited");
            });
            row.putIfAbsent(Event.RETRY, () -> Outcome.ignored("no retry is due in " + s));
        }
    }

    /** FENCE_* and RETRY while the group is held here (a silent or FAILED peer fenced by the holder). */
    private void fencesWhileHolding(State s) {
        on(s, Event.FENCE_OK, () -> {
            fenceAsked = false;
            return Outcome.did("peer fenced: power verified off");
        });
        on(s, Event.FENCE_CANCELLED, () -> {
            fenceAsked = false;
            return Outcome.did("fence cancelled: the peer was heard again");
        });
        on(s, Event.FENCE_FAILED, () -> {
            fenceAsked = false;
            if (fenceStillWanted()) {
                fenceRetryDue = true;
                effects.retryLater();
                return Outcome.did("fence failed; trying again shortly");
            }
            return Outcome.did("fence failed; no longer wanted");
        });
        on(s, Event.RETRY, () -> {
            if (!fenceRetryDue) {
                return Outcome.ignored("no fence retry is due");
            }
            fenceRetryDue = false;
            if (fenceStillWanted() && !fenceAsked) {
                fenceAsked = true;
                effects.fencePeer();
                return Outcome.did("fencing again");
            }
            return Outcome.ignored("the fence is no longer wanted");
        });
    }

    private void ignoreFences(State s, String why) {
        for (Event e : new Event[] {Event.FENCE_OK, Event.FENCE_FAILED, Event.FENCE_CANCELLED}) {
            on(s, e, () -> {
                fenceAsked = false;
                return Outcome.ignored(why);
            });
        }
    }

    private void ignoreRuns(State s, String why) {
        for (Event e : new Event[] {Event.START_OK, Event.START_FAILED, Event.START_REFUSED, Event.STOP_OK,
                Event.STOP_FAILED, Event.RESOURCE_FAILED}) {
            table.get(s).putIfAbsent(e, () -> Outcome.ignored(why));
        }
    }

    private void on(State s, Event e, Cell c) {
        if (table.get(s).put(e, c) != null) {
            throw new IllegalStateException("two cells for " + s + " x " + e);
        }
    }

    private void ignore(State s, Event e, String why) {
        on(s, e, () -> Outcome.ignored(why));
    }

    /** Feeds one event; {@code peerView} only with PEER_HEARD. Returns what the machine did with it. */
    public Outcome handle(Event e, PeerView peerView) {
        if (e == Event.PEER_HEARD) {
            if (peerView.incarnation() == peer.incarnation() && peerView.generation() <= peer.generation()) {
                return Outcome.ignored("an older heartbeat that arrived late over another link");
            }
            peer = peerView;
            peerAlive = true;
            if (peer.state() == State.ACTIVE || peer.state() == State.STARTING) {
                yielding = false; // the peer took them
            }
        } else if (e == Event.PEER_DEAD) {
            peerAlive = false;
        } else if (e == Event.INITDEAD_EXPIRED) {
            initdeadPending = false;
        } else if (e == Event.RESOURCE_FAILED || e == Event.START_REFUSED) {
            throw new IllegalArgumentException(e + " carries its detail: use resourceFailed() or startRefused()");
        }
        return table.get(state).get(e).run();
    }

    /** A resource refused to start because its data may be stale ({@code why}), when the group was starting. */
    public Outcome startRefused(String why) {
        refusal = why;
        return table.get(state).get(Event.START_REFUSED).run();
    }

    /** A monitor found resource {@code index} of the group not running while held, at {@code nowMillis}. */
    public Outcome resourceFailed(int index, long nowMillis) {
        if (state == State.ACTIVE) {
            failures.addLast(nowMillis);
            failedResource = index;
        }
        pruneFailures(nowMillis);
        return table.get(state).get(Event.RESOURCE_FAILED).run();
    }

    private void pruneFailures(long nowMillis) {
        while (!failures.isEmpty() && nowMillis - failures.peekFirst() > failurePolicy.windowMillis()) {
            failures.removeFirst();
        }
    }

    /** Monitor failures within the failure window as of {@code nowMillis} (for status). */
    public int failureCount(long nowMillis) {
        pruneFailures(nowMillis);
        return failures.size();
    }

    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /** Forgets the monitor failures (an operator cleaned up after them). */
    public void clearFailures() {
        failures.clear();
    }

    public State state() {
        return state;
    }

    /** Why the group may not start here now, or null. */
    public String blocked() {
        return blocked;
    }

    /** The peer's view as last heard. */
    public PeerView peer() {
        return peer;
    }

    /** What our heartbeats tell the peer; each call is a new generation. */
    public PeerView announce() {
        return new PeerView(state, desire(), idle() && !leaving ? claim : 0, idle() ? grant : 0, wantRelease, leaving,
                incarnation, ++generation);
    }

    /**
     * An orderly shutdown: allowed only while idle with nothing held (after a standby has stopped the group);
     * the node is no longer eligible and says it is leaving, so its silence is not taken for a death that needs a
     * fence. Returns whether the node may now leave.
     */
    public boolean leave() {
        if (!idle() || state == State.FENCING) {
            return false;
        }
        operatorStandby = true;
        leaving = true;
        claim = 0;
        return true;
    }

    /** The peer's last word was that it left in order: idle, nothing held, shutting down. */
    private boolean peerLeft() {
        return peer.leaving() && peer.idle();
    }

    private Outcome takeOverFromSilentPeer(String reason) {
        if (peerLeft()) {
            return start("peer left in order (it stopped everything and shut down): no fence needed");
        }
        return fence(reason);
    }

    private Outcome fenceUnlessLeft() {
        if (peerLeft()) {
            return Outcome.ignored("the peer left in order; no fence needed");
        }
        if (fenceAsked) {
            return Outcome.ignored("a fence of the peer is already running");
        }
        fenceAsked = true;
        effects.fencePeer();
        return Outcome.did("fencing the silent peer");
    }

    private Outcome askedToBeFenced() {
        if (peer.state() == State.FAILED && !fenceAsked) {
            fenceAsked = true;
            effects.fencePeer(); // it asked to be fenced
            return Outcome.did("fencing the peer: it says FAILED");
        }
        return Outcome.did("noted");
    }

    /**
     * Whether a fence of the peer is still wanted (asked before the fence acts: after its delay, before the first
     * "off"): the peer is still silent, or it said it FAILED, or (a fence by this node while it holds the group)
     * the peer says it holds the group too. A peer heard again in any other state is not shot.
     */
    public boolean fenceStillWanted() {
        if (!peerAlive || peer.state() == State.FAILED) {
            return true;
        }
        return holding && peer.state() != null && peer.state().holds();
    }

    /** Whether this node holds (or may hold) resources: started and not verified stopped. */
    public boolean holding() {
        return holding;
    }

    private boolean eligible() {
        return !operatorStandby && !leaving && state != State.FAILED && state != State.MAINTENANCE;
    }

    private String notEligibleWhy() {
        return leaving ? "leaving" : operatorStandby ? "operator standby" : state.toString().toLowerCase();
    }

    private boolean idle() {
        return (state == State.STANDBY || state == State.INITDEAD) && !holding;
    }

    private int desire() {
        if (!eligible()) {
            return -1;
        }
        return wantRelease ? 3 : yielding || blocked != null ? 0 : home ? 2 : 1;
    }

    /** As an idle node that hears the peer: claim and start, grant the peer's claim, wait, or ask. */
    private Outcome decideAsStandby(String reason) {
        retryAfterRelease = false; // deciding now is what the retry was for
        if (state == State.INITDEAD) {
            to(State.STANDBY, reason);
        }
        if (peerAlive) {
            initdeadPending = false;
        }
        if (!peerAlive) {
            if (state == State.STANDBY && eligible() && blocked == null) {
                return takeOverFromSilentPeer("peer silent and nobody runs the resources");
            }
            return Outcome.did("standing by; the peer is silent" + (blocked != null ? " and " + blocked : ""));
        }
        State ps = peer.state();
        if (ps == State.FAILED && eligible()) {
            claim = 0;
            grant = 0;
            return fence("peer reports FAILED (a stop did not complete)");
        }
        if (!peer.idle()) {
            claim = 0;
            grant = 0;
            if (autoFailback && home && ps == State.ACTIVE && eligible()) {
                wantRelease = true; // the peer hears it, releases, and then we claim
            }
            return Outcome.did("standing by; the peer is " + ps);
        }
        int mine = desire();
        boolean win = mine >= 0 && blocked == null && (mine > peer.desire() || mine == peer.desire() && home);
        if (!win) {
            claim = 0;
        } else if (claim == 0) {
            claim = ((incarnation & 0xffffL) << 40) | (generation + 1); // unique to this life and this moment
        }
        grant = claim == 0 && peer.claim() != 0 ? peer.claim() : 0;
        if (claim != 0 && peer.grant() == claim) {
            return start(peer.desire() < 0 ? "peer idle and not eligible; it granted our claim"
                    : "peer idle; it granted our claim (" + (mine == 3 ? "switchover" : home ? "home node" : "it yields")
                    + ")");
        }
        return Outcome.did(claim != 0 ? "claiming the group; waiting for the peer's grant"
                : grant != 0 ? "granting the peer's claim" : "standing by");
    }

    private Outcome fence(String reason) {
        to(State.FENCING, reason);
        fenceAsked = true;
        effects.fencePeer();
        return Outcome.did("fencing the peer");
    }

    private Outcome start(String reason) {
        claim = 0;
        grant = 0;
        holding = true;
        to(State.STARTING, reason);
        effects.startResources();
        return Outcome.did("starting the group");
    }

    private Outcome release(String reason, boolean standby, boolean yield) {
        operatorStandby |= standby;
        yielding |= yield;
        wantRelease = false;
        to(State.RELEASING, reason);
        effects.stopResources();
        return Outcome.did("stopping the group" + (yield ? "; the peer takes it" : ""));
    }

    /** A start refused for data: roll back and wait, yielding, until the data is ready or an operator decides. */
    private Outcome refused() {
        blocked = refusal != null ? refusal : "a resource refused to start";
        return release("a resource refused to start: its data may be stale; waiting for the peer or an operator",
                false, true);
    }

    /**
     * A resource of the group runs on this idle node (a leftover, started by hand): stop it, verified. The node
     * does not hold the group for that (the peer may run it), so nothing here counts it as a holder.
     */
    private Outcome cleanUpStray() {
        to(State.RELEASING, "a resource of the group runs on this node, which does not hold the group: stopping it");
        effects.stopResources();
        return Outcome.did("stopping the stray resources");
    }

    private Outcome maintenance(String reason) {
        to(State.MAINTENANCE, reason);
        return Outcome.did("maintenance: nothing is started, stopped or fenced until 'maintenance off'");
    }

    private void to(State next, String reason) {
        State from = state;
        state = next;
        if (from != next) {
            effects.transition(from, next, reason);
        }
    }
}
