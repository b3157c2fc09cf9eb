package dev.palisade.supervisor.failover;

import java.util.EnumMap;
import java.util.Map;

/**
 * The one place that decides takeover, handback and standby for one node of the pair: an explicit table of
 * state x event -> handler, no I/O and no clock of its own (timers belong to the caller: an event loop in
 * production, a simulated clock in tests). Slow work (fencing, starting and stopping the resource group) is asked for through
 * {@link Effects} and its outcome comes back as an event. Every transition is reported with its reason.
 *
 * <p>Safety rules that never bend:
 * <ul>
 * <li>Resources start only when the peer is verified fenced, or the peer, idle and heard, granted our claim
 *     to start in a heartbeat newer than the claim; a peer that is silent or failed is fenced first. A node
 *     grants only while idle and not claiming, and starts only with a grant, so two nodes never start on
 *     views of each other that crossed in flight.</li>
 * <li>A stop that failed is never reported as done: the node goes FAILED, says so to the peer, which fences
 *     it before taking over.</li>
 * <li>When both nodes are alive and idle, the one that wants the resources more claims them (an operator's
 *     switchover, then the home node, then the other; a node yielding them or in standby last).</li>
 * </ul>
 */
public final class FailoverMachine {
    /** Our state, also what the peer hears in our heartbeats. */
    public enum State {
        INITDEAD, STANDBY, FENCING, STARTING, ACTIVE, RELEASING, FAILED, MAINTENANCE;

        /** The state's number in a heartbeat frame (0 there means "not said"). */
        public int wire() {
            return ordinal() + 1;
        }

        /** The state a heartbeat frame's number names, or null for 0 and numbers this version does not know. */
        public static State fromWire(int n) {
            return n >= 1 && n <= values().length ? values()[n - 1] : null;
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
        /** Fencing was cancelled because the peer was heard again during the race delay. */
        FENCE_CANCELLED,
        START_OK,
        START_FAILED,
        STOP_OK,
        STOP_FAILED,
        /** A running resource's monitor failed. */
        RESOURCE_FAILED,
        /** Retry timer (fencing again after a failed attempt). */
        RETRY,
        CMD_STANDBY,
        CMD_UNSTANDBY,
        CMD_SWITCHOVER,
        CMD_MAINTENANCE_ON,
        CMD_MAINTENANCE_OFF
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
        /** Fence the peer (race delay, levels, verified off): FENCE_OK / FENCE_FAILED / FENCE_CANCELLED. */
        void fencePeer();

        /** Start the group in order, each ready before the next: START_OK / START_FAILED. */
        void startResources();

        /** Stop the group in reverse, each verified stopped: STOP_OK / STOP_FAILED. */
        void stopResources();

        /** Arrange a RETRY event after a while. */
        void retryLater();

        void transition(State from, State to, String reason);
    }

    private final boolean home;
    private final boolean autoFailback;
    private final Effects effects;
    private final Map<State, Map<Event, Runnable>> table = new EnumMap<>(State.class);
    private State state = State.INITDEAD;
    private PeerView peer = PeerView.UNKNOWN;
    private boolean peerAlive;
    private boolean operatorStandby;
    /** We handed the resources over (switchover pushed from here, a failed resource): the peer goes first. */
    private boolean yielding;
    /** We ask the peer to release the resources to us (switchover pulled to here, or failback). */
    private boolean wantRelease;
    /** Our standing claim to start (0 none) and the peer's claim we grant (0 none). */
    private long claim;
    private long grant;
    private final long incarnation;
    private long generation;
    /** Resources were started and not yet verified stopped. */
    private boolean holding;
    /** An orderly shutdown: idle, verified, and about to stop sending. */
    private boolean leaving;

    public FailoverMachine(boolean home, boolean autoFailback, long incarnation, Effects effects) {
        this.home = home;
        this.incarnation = incarnation;
        this.autoFailback = autoFailback;
        this.effects = effects;
        for (State s : State.values()) {
            table.put(s, new EnumMap<>(Event.class));
        }
        // ---- INITDEAD: wait for the peer, or for initdead to pass
        on(State.INITDEAD, Event.PEER_HEARD, () -> decideAsStandby("peer heard at start-up"));
        on(State.INITDEAD, Event.INITDEAD_EXPIRED, () -> {
            if (eligible()) {
                fence("peer not heard within initdead");
            } else {
                to(State.STANDBY, "peer not heard within initdead; this node is not eligible (standby or leaving)");
            }
        });
        on(State.INITDEAD, Event.CMD_STANDBY, () -> operatorStandby = true);
        on(State.INITDEAD, Event.CMD_MAINTENANCE_ON, () -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- STANDBY
        on(State.STANDBY, Event.PEER_HEARD, () -> decideAsStandby(null));
        on(State.STANDBY, Event.PEER_DEAD, () -> {
            if (eligible()) {
                takeOverFromSilentPeer("every heartbeat link silent past deadtime");
            }
        });
        on(State.STANDBY, Event.CMD_STANDBY, () -> {
            operatorStandby = true;
            decideAsStandby(null);
        });
        on(State.STANDBY, Event.CMD_UNSTANDBY, () -> {
            operatorStandby = false;
            decideAsStandby("operator: unstandby");
        });
        on(State.STANDBY, Event.CMD_SWITCHOVER, () -> {
            operatorStandby = false;
            wantRelease = true;
            decideAsStandby("operator: switchover to this node");
        });
        on(State.STANDBY, Event.CMD_MAINTENANCE_ON, () -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- FENCING
        on(State.FENCING, Event.FENCE_OK, () -> {
            if (eligible()) {
                start("peer fenced: power verified off");
            } else {
                to(State.STANDBY, "peer fenced: power verified off; not starting (operator standby asked meanwhile)");
            }
        });
        on(State.FENCING, Event.FENCE_FAILED, () -> effects.retryLater());
        on(State.FENCING, Event.RETRY, () -> {
            if (!peerAlive) {
                effects.fencePeer();
            } else {
                to(State.STANDBY, "peer heard again; fencing abandoned");
                decideAsStandby(null);
            }
        });
        on(State.FENCING, Event.FENCE_CANCELLED, () -> {
            to(State.STANDBY, "peer heard again during the race delay; fencing cancelled");
            decideAsStandby(null);
        });
        on(State.FENCING, Event.CMD_STANDBY, () -> operatorStandby = true);
        // ---- STARTING
        on(State.STARTING, Event.START_OK, () -> {
            wantRelease = false;
            yielding = false;
            to(State.ACTIVE, "every resource started and ready");
            if (operatorStandby) {
                release("operator: standby (asked while starting)", true, false);
            }
        });
        on(State.STARTING, Event.CMD_STANDBY, () -> operatorStandby = true); // applied when started
        on(State.STARTING, Event.START_FAILED, () -> release("a resource did not start", false, true));
        on(State.STARTING, Event.PEER_DEAD, () -> fenceUnlessLeft());
        // ---- ACTIVE
        on(State.ACTIVE, Event.PEER_DEAD, () -> fenceUnlessLeft());
        on(State.ACTIVE, Event.PEER_HEARD, () -> {
            yielding = false;
            if (peer.wantsRelease() && peer.eligible()) {
                release("peer asks for the resources (switchover or failback)", false, true);
            } else if (peer.state() == State.FAILED) {
                effects.fencePeer(); // it asked to be fenced
            }
        });
        on(State.ACTIVE, Event.RESOURCE_FAILED, () -> release("a resource failed its monitor", false, true));
        on(State.ACTIVE, Event.CMD_STANDBY, () -> release("operator: standby", true, false));
        on(State.ACTIVE, Event.CMD_SWITCHOVER, () -> release("operator: switchover to the peer", false, true));
        on(State.ACTIVE, Event.CMD_MAINTENANCE_ON, () -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- RELEASING
        on(State.RELEASING, Event.STOP_OK, () -> {
            holding = false;
            to(State.STANDBY, "every resource verified stopped; the peer may take over");
            if (!peerAlive && eligible()) {
                takeOverFromSilentPeer("peer silent while we released");
            } else {
                decideAsStandby(null);
            }
        });
        on(State.RELEASING, Event.STOP_FAILED, () ->
                to(State.FAILED, "a resource did not stop: asking the peer to fence this node before it takes over"));
        on(State.RELEASING, Event.PEER_DEAD, () -> { });
        // ---- MAINTENANCE: nothing is decided; the operator hands control back
        on(State.MAINTENANCE, Event.CMD_MAINTENANCE_OFF, () -> {
            if (holding) {
                to(State.ACTIVE, "maintenance over; resources still held");
            } else {
                to(State.STANDBY, "maintenance over");
                decideAsStandby(null);
            }
        });
        // FAILED: only fencing (by the peer) or the operator gets us out
    }

    private void on(State s, Event e, Runnable h) {
        table.get(s).put(e, h);
    }

    /** Feeds one event; {@code peerView} only with PEER_HEARD. Unlisted pairs are ignored. */
    public void handle(Event e, PeerView peerView) {
        if (e == Event.PEER_HEARD) {
            if (peerView.incarnation() == peer.incarnation() && peerView.generation() <= peer.generation()) {
                return; // an older heartbeat that arrived late over the other link
            }
            peer = peerView;
            peerAlive = true;
            if (peer.state() == State.ACTIVE || peer.state() == State.STARTING) {
                yielding = false; // the peer took them
            }
        } else if (e == Event.PEER_DEAD) {
            peerAlive = false;
        }
        Runnable h = table.get(state).get(e);
        if (h != null) {
            h.run();
        }
    }

    public State state() {
        return state;
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

    private void takeOverFromSilentPeer(String reason) {
        if (peerLeft()) {
            start("peer left in order (it stopped everything and shut down): no fence needed");
        } else {
            fence(reason);
        }
    }

    private void fenceUnlessLeft() {
        if (!peerLeft()) {
            effects.fencePeer();
        }
    }

    /**
     * Whether a fence in progress is still needed (asked by the fencing coordinator during its race delay): the
     * peer is still silent, or it said it FAILED. A peer heard again in any other state cancels it.
     */
    public boolean fenceStillWanted() {
        return state != State.FENCING || !peerAlive || peer.state() == State.FAILED;
    }

    /** Whether this node holds (or may hold) resources: started and not verified stopped. */
    public boolean holding() {
        return holding;
    }

    private boolean eligible() {
        return !operatorStandby && !leaving && state != State.FAILED && state != State.MAINTENANCE;
    }

    private boolean idle() {
        return (state == State.STANDBY || state == State.INITDEAD) && !holding;
    }

    private int desire() {
        if (!eligible()) {
            return -1;
        }
        return wantRelease ? 3 : yielding ? 0 : home ? 2 : 1;
    }

    /** As an idle node that hears the peer: claim and start, grant the peer's claim, wait, or ask. */
    private void decideAsStandby(String reason) {
        if (state == State.INITDEAD) {
            to(State.STANDBY, reason);
        }
        if (!peerAlive) {
            if (state == State.STANDBY && eligible()) {
                takeOverFromSilentPeer("peer silent and nobody runs the resources");
            }
            return;
        }
        State ps = peer.state();
        if (ps == State.FAILED && eligible()) {
            claim = 0;
            grant = 0;
            fence("peer reports FAILED (a stop did not complete)");
            return;
        }
        if (!peer.idle()) {
            claim = 0;
            grant = 0;
            if (autoFailback && home && ps == State.ACTIVE && eligible()) {
                wantRelease = true; // the peer hears it, releases, and then we claim
            }
            return;
        }
        int mine = desire();
        boolean win = mine >= 0 && (mine > peer.desire() || mine == peer.desire() && home);
        if (!win) {
            claim = 0;
        } else if (claim == 0) {
            claim = ((incarnation & 0xffffL) << 40) | (generation + 1); // unique to this life and this moment
        }
        grant = claim == 0 && peer.claim() != 0 ? peer.claim() : 0;
        if (claim != 0 && peer.grant() == claim) {
            start(peer.desire() < 0 ? "peer idle and not eligible; it granted our claim"
                    : "peer idle; it granted our claim (" + (mine == 3 ? "switchover" : home ? "home node" : "it yields")
                    + ")");
        }
    }

    private void fence(String reason) {
        to(State.FENCING, reason);
        effects.fencePeer();
    }

    private void start(String reason) {
        claim = 0;
        grant = 0;
        holding = true;
        to(State.STARTING, reason);
        effects.startResources();
    }

    private void release(String reason, boolean standby, boolean yield) {
        operatorStandby |= standby;
        yielding |= yield;
        wantRelease = false;
        to(State.RELEASING, reason);
        effects.stopResources();
    }

    private void to(State next, String reason) {
        State from = state;
        state = next;
        if (from != next) {
            effects.transition(from, next, reason);
        }
    }
}
