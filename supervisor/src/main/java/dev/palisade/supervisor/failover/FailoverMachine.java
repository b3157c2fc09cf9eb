package dev.palisade.supervisor.failover;

import java.util.EnumMap;
import java.util.Map;

/**
 * The one place that decides takeover, handback and standby for one node of the pair: an explicit table of
 * state x event -> handler, no I/O, time passed in by the caller (an event loop in production, a simulated
 * clock in tests). Slow work (fencing, starting and stopping the resource group) is asked for through
 * {@link Effects} and its outcome comes back as an event. Every transition is reported with its reason.
 *
 * <p>Safety rules that never bend:
 * <ul>
 * <li>Resources start only when the peer is verified fenced, or the peer said it released them (its stop
 *     succeeded) and is still heard; a peer that is silent or failed is fenced first.</li>
 * <li>A stop that failed is never reported as done: the node goes FAILED, says so to the peer, which fences
 *     it before taking over.</li>
 * <li>When both nodes are alive and idle, only the home node starts (the other only when the home node is
 *     not eligible), so two idle nodes never start together.</li>
 * </ul>
 */
public final class FailoverMachine {
    /** Our state, also what the peer hears in our heartbeats. */
    public enum State { INITDEAD, STANDBY, FENCING, STARTING, ACTIVE, RELEASING, FAILED, MAINTENANCE }

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

    /** What we last heard from the peer. {@code wantsRelease}: it asks us to hand the resources over. */
    public record PeerView(State state, boolean eligible, boolean released, boolean wantsRelease, long generation) {
        public static final PeerView UNKNOWN = new PeerView(null, false, false, false, -1);
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

    private interface Handler {
        void handle(long now, PeerView peer);
    }

    private final boolean home;
    private final boolean autoFailback;
    private final Effects effects;
    private final Map<State, Map<Event, Handler>> table = new EnumMap<>(State.class);
    private State state = State.INITDEAD;
    private PeerView peer = PeerView.UNKNOWN;
    private boolean peerAlive;
    private boolean operatorStandby;
    /** We released the resources (stop succeeded) and the peer may take them. */
    private boolean released;
    /** We ask the peer to release the resources to us (switchover pulled from here, or failback). */
    private boolean wantRelease;
    /** Resources were started and not yet verified stopped. */
    private boolean holding;

    public FailoverMachine(boolean home, boolean autoFailback, Effects effects) {
        this.home = home;
        this.autoFailback = autoFailback;
        this.effects = effects;
        for (State s : State.values()) {
            table.put(s, new EnumMap<>(Event.class));
        }
        // ---- INITDEAD: wait for the peer, or for initdead to pass
        on(State.INITDEAD, Event.PEER_HEARD, (now, p) -> decideAsStandby("peer heard at start-up"));
        on(State.INITDEAD, Event.INITDEAD_EXPIRED, (now, p) -> fence("peer not heard within initdead"));
        on(State.INITDEAD, Event.CMD_STANDBY, (now, p) -> operatorStandby = true);
        on(State.INITDEAD, Event.CMD_MAINTENANCE_ON, (now, p) -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- STANDBY
        on(State.STANDBY, Event.PEER_HEARD, (now, p) -> decideAsStandby(null));
        on(State.STANDBY, Event.PEER_DEAD, (now, p) -> {
            if (eligible()) {
                fence("every heartbeat link silent past deadtime");
            }
        });
        on(State.STANDBY, Event.CMD_STANDBY, (now, p) -> operatorStandby = true);
        on(State.STANDBY, Event.CMD_UNSTANDBY, (now, p) -> {
            operatorStandby = false;
            decideAsStandby("operator: unstandby");
        });
        on(State.STANDBY, Event.CMD_SWITCHOVER, (now, p) -> {
            operatorStandby = false;
            wantRelease = true;
            decideAsStandby("operator: switchover to this node");
        });
        on(State.STANDBY, Event.CMD_MAINTENANCE_ON, (now, p) -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- FENCING
        on(State.FENCING, Event.FENCE_OK, (now, p) -> start("peer fenced: power verified off"));
        on(State.FENCING, Event.FENCE_FAILED, (now, p) -> effects.retryLater());
        on(State.FENCING, Event.RETRY, (now, p) -> {
            if (!peerAlive) {
                effects.fencePeer();
            } else {
                to(State.STANDBY, "peer heard again; fencing abandoned");
                decideAsStandby(null);
            }
        });
        on(State.FENCING, Event.FENCE_CANCELLED, (now, p) -> {
            to(State.STANDBY, "peer heard again during the race delay; fencing cancelled");
            decideAsStandby(null);
        });
        on(State.FENCING, Event.CMD_STANDBY, (now, p) -> operatorStandby = true);
        // ---- STARTING
        on(State.STARTING, Event.START_OK, (now, p) -> {
            wantRelease = false;
            to(State.ACTIVE, "every resource started and ready");
        });
        on(State.STARTING, Event.START_FAILED, (now, p) -> release("a resource did not start", false));
        on(State.STARTING, Event.PEER_DEAD, (now, p) -> effects.fencePeer());
        // ---- ACTIVE
        on(State.ACTIVE, Event.PEER_DEAD, (now, p) -> effects.fencePeer());
        on(State.ACTIVE, Event.PEER_HEARD, (now, p) -> {
            if (peer.wantsRelease() && peer.eligible() && (!home || !autoFailback || peer.state() != State.STANDBY
                    || wantsBack())) {
                release("peer asks for the resources (switchover)", false);
            } else if (peer.state() == State.FAILED) {
                effects.fencePeer(); // it asked to be fenced; nothing of ours depends on the answer
            }
        });
        on(State.ACTIVE, Event.RESOURCE_FAILED, (now, p) -> release("a resource failed its monitor", false));
        on(State.ACTIVE, Event.CMD_STANDBY, (now, p) -> release("operator: standby", true));
        on(State.ACTIVE, Event.CMD_SWITCHOVER, (now, p) -> release("operator: switchover to the peer", false));
        on(State.ACTIVE, Event.CMD_MAINTENANCE_ON, (now, p) -> to(State.MAINTENANCE, "operator: maintenance"));
        // ---- RELEASING
        on(State.RELEASING, Event.STOP_OK, (now, p) -> {
            holding = false;
            released = true;
            to(State.STANDBY, "every resource verified stopped; the peer may take over");
        });
        on(State.RELEASING, Event.STOP_FAILED, (now, p) ->
                to(State.FAILED, "a resource did not stop: asking the peer to fence this node before it takes over"));
        on(State.RELEASING, Event.PEER_DEAD, (now, p) -> { });
        // ---- MAINTENANCE: nothing is decided; the operator hands control back
        on(State.MAINTENANCE, Event.CMD_MAINTENANCE_OFF, (now, p) -> {
            if (holding) {
                to(State.ACTIVE, "maintenance over; resources still held");
            } else {
                to(State.STANDBY, "maintenance over");
                decideAsStandby(null);
            }
        });
        // FAILED: only fencing (by the peer) or the operator gets us out
    }

    private void on(State s, Event e, Handler h) {
        table.get(s).put(e, h);
    }

    /** Feeds one event; {@code peerView} only with PEER_HEARD. Unlisted pairs are ignored. */
    public void handle(Event e, long now, PeerView peerView) {
        if (e == Event.PEER_HEARD) {
            if (peerView.generation() < peer.generation()) {
                return; // an older heartbeat that arrived late over the other link
            }
            peer = peerView;
            peerAlive = true;
            if (peer.state() == State.ACTIVE || peer.state() == State.STARTING) {
                released = false; // the peer took them; our release is spent
            }
        } else if (e == Event.PEER_DEAD) {
            peerAlive = false;
        }
        Handler h = table.get(state).get(e);
        if (h != null) {
            h.handle(now, peerView);
        }
    }

    public State state() {
        return state;
    }

    /** What our heartbeats tell the peer. */
    public PeerView announce(long generation) {
        return new PeerView(state, eligible(), released && state == State.STANDBY, wantRelease, generation);
    }

    /** Whether this node holds (or may hold) resources: started and not verified stopped. */
    public boolean holding() {
        return holding;
    }

    private boolean eligible() {
        return !operatorStandby && state != State.FAILED && state != State.MAINTENANCE;
    }

    private boolean wantsBack() {
        return home && autoFailback;
    }

    /** As an idle node that hears the peer: take over, wait, or ask. */
    private void decideAsStandby(String reason) {
        if (state == State.INITDEAD) {
            to(State.STANDBY, reason);
        }
        if (!eligible() || !peerAlive) {
            return;
        }
        State ps = peer.state();
        if (ps == State.FAILED) {
            fence("peer reports FAILED (a stop did not complete)");
            return;
        }
        if (ps == State.ACTIVE || ps == State.STARTING || ps == State.FENCING || ps == State.MAINTENANCE) {
            if (autoFailback && home && ps == State.ACTIVE) {
                wantRelease = true; // heard through our heartbeats; the peer releases, then we start
            }
            return;
        }
        if (ps == State.RELEASING) {
            return;
        }
        // peer idle (INITDEAD / STANDBY): its released flag means its stop was verified
        if (peer.released() && (wantRelease || !peer.eligible() || home)) {
            start("peer released the resources");
        } else if (!peer.released() && ps == State.STANDBY && (home && !peer.wantsRelease() || !peer.eligible()
                || wantRelease && !peer.wantsRelease())) {
            start(home ? "both idle and this is the home node" : "peer idle and not eligible");
        }
    }

    private void fence(String reason) {
        to(State.FENCING, reason);
        effects.fencePeer();
    }

    private void start(String reason) {
        released = false;
        holding = true;
        to(State.STARTING, reason);
        effects.startResources();
    }

    private void release(String reason, boolean standby) {
        operatorStandby |= standby;
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
