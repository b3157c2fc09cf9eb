package dev.palisade.supervisor.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.failover.FailoverMachine.Event;
import dev.palisade.supervisor.failover.FailoverMachine.PeerView;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The failover machine cell by cell, without I/O: what each event does in each state. */
class FailoverMachineTest {
    private final List<String> asked = new ArrayList<>();
    private long generation;

    private final FailoverMachine.Effects effects = new FailoverMachine.Effects() {
        @Override
        public void fencePeer() {
            asked.add("fence");
        }

        @Override
        public void startResources() {
            asked.add("start");
        }

        @Override
        public void stopResources() {
            asked.add("stop");
        }

        @Override
        public void restartResources(int from) {
            asked.add("restart " + from);
        }

        @Override
        public void retryLater() {
            asked.add("retry");
        }

        @Override
        public void transition(State from, State to, String reason) {
            asked.add(from + "->" + to);
        }
    };

    private PeerView peer(State s, int desire) {
        return new PeerView(s, desire, 0, 0, false, false, 7, ++generation);
    }

    /** A home node that took over from a silent peer at start-up: ACTIVE. */
    private FailoverMachine active() {
        FailoverMachine m = new FailoverMachine(true, false, 1, effects);
        m.handle(Event.INITDEAD_EXPIRED, null);
        m.handle(Event.FENCE_OK, null);
        m.handle(Event.START_OK, null);
        assertEquals(State.ACTIVE, m.state());
        asked.clear();
        return m;
    }

    @Test
    void theActiveNodesFenceOfASilentStandbyIsCancelledWhenTheStandbyIsHeardAgain() {
        FailoverMachine m = active();
        m.handle(Event.PEER_HEARD, peer(State.STANDBY, 1)); // the peer booted and stands by
        m.handle(Event.PEER_DEAD, null); // a heartbeat gap longer than deadtime (a pause here or there)
        assertEquals(List.of("fence"), asked);
        assertTrue(m.fenceStillWanted(), "silent: the fence goes on");
        m.handle(Event.PEER_HEARD, peer(State.STANDBY, 1)); // heard again during the race delay
        assertFalse(m.fenceStillWanted(), "a standby heard again and not FAILED is not shot");
        assertEquals(State.ACTIVE, m.state());
    }

    @Test
    void aPeerThatSaysFailedIsStillFencedWhenHeard() {
        FailoverMachine m = active();
        m.handle(Event.PEER_HEARD, peer(State.STANDBY, 1));
        m.handle(Event.PEER_DEAD, null);
        m.handle(Event.PEER_HEARD, peer(State.FAILED, -1));
        assertTrue(m.fenceStillWanted(), "a FAILED peer asked to be fenced");
    }

    /** A machine driven into {@code s} through its own events. */
    private FailoverMachine in(State s) {
        FailoverMachine m = new FailoverMachine(true, false, 1, effects);
        switch (s) {
            case INITDEAD -> { }
            case STANDBY -> m.handle(Event.PEER_HEARD, peer(State.ACTIVE, 1));
            case FENCING -> m.handle(Event.INITDEAD_EXPIRED, null);
            case MAINTENANCE -> m.handle(Event.CMD_MAINTENANCE_ON, null);
            default -> {
                m.handle(Event.INITDEAD_EXPIRED, null);
                m.handle(Event.FENCE_OK, null);
                if (s != State.STARTING) {
                    m.handle(Event.START_OK, null);
                }
                if (s == State.RECOVERING) {
                    m.resourceFailed(1, 1000);
                } else if (s == State.RELEASING || s == State.FAILED) {
                    m.handle(Event.CMD_STANDBY, null);
                    if (s == State.FAILED) {
                        m.handle(Event.STOP_FAILED, null);
                    }
                }
            }
        }
        assertEquals(s, m.state());
        asked.clear();
        return m;
    }

    @Test
    void everyCellOfTheTableIsHandledOrDeclaredIgnoredWithAReason() {
        int cells = 0;
        for (State s : State.values()) {
            for (Event e : Event.values()) {
                FailoverMachine m = in(s);
                FailoverMachine.Outcome o = switch (e) {
                    case RESOURCE_FAILED -> m.resourceFailed(0, 2000);
                    case START_REFUSED -> m.startRefused("local disk [Consistent] is only Consistent");
                    case PEER_HEARD -> m.handle(e, peer(State.STANDBY, 1));
                    default -> m.handle(e, null);
                };
                assertTrue(o != null && o.what() != null && !o.what().isBlank(), s + " x " + e + ": " + o);
                cells++;
            }
        }
        assertEquals(State.values().length * Event.values().length, cells);
    }

    @Test
    void aCommandTheStateCannotTakeIsRefusedWithTheReasonNeverSilentlyIgnored() {
        FailoverMachine m = in(State.FAILED);
        FailoverMachine.Outcome o = m.handle(Event.CMD_STANDBY, null);
        assertFalse(o.acted(), o.toString());
        assertTrue(o.what().startsWith("standby refused: this node is FAILED"), o.what());
        assertEquals(State.FAILED, m.state());
        o = in(State.STARTING).handle(Event.CMD_SWITCHOVER, null);
        assertFalse(o.acted());
        assertTrue(o.what().contains("starting"), o.what());
        o = in(State.ACTIVE).handle(Event.CMD_STANDBY, null);
        assertTrue(o.acted(), o.toString());
        assertEquals(List.of("ACTIVE->RELEASING", "stop"), asked);
    }

    @Test
    void aFailedMonitorRestartsInPlaceOnceThenHandsTheGroupOver() {
        FailoverMachine m = in(State.ACTIVE);
        m.resourceFailed(2, 10_000);
        assertEquals(State.RECOVERING, m.state());
        assertEquals(List.of("ACTIVE->RECOVERING", "restart 2"), asked);
        m.handle(Event.START_OK, null);
        assertEquals(State.ACTIVE, m.state());
        assertEquals(1, m.failureCount(10_000));
        asked.clear();
        m.resourceFailed(2, 20_000); // the second failure within the window
        assertEquals(State.RELEASING, m.state());
        assertEquals(List.of("ACTIVE->RELEASING", "stop"), asked);
        assertEquals(0, m.announce().desire(), "it yields the group to the peer");
        FailoverMachine later = in(State.ACTIVE);
        later.resourceFailed(2, 10_000);
        later.handle(Event.START_OK, null);
        later.resourceFailed(2, 10_000 + FailoverMachine.FailurePolicy.DEFAULT.windowMillis() + 1);
        assertEquals(State.RECOVERING, later.state(), "the first failure fell out of the window");
    }

    @Test
    void aStartRefusedForDataWaitsYieldingUntilTheDataIsReady() {
        FailoverMachine m = in(State.STARTING);
        m.startRefused("local disk [Consistent] is only Consistent");
        assertEquals(State.RELEASING, m.state());
        m.handle(Event.STOP_OK, null);
        assertEquals(State.STANDBY, m.state());
        assertEquals("local disk [Consistent] is only Consistent", m.blocked());
        asked.clear();
        m.handle(Event.PEER_DEAD, null);
        assertEquals(State.STANDBY, m.state(), "no fence and no start while the data is not ready");
        assertEquals(List.of(), asked);
        assertEquals(0, m.announce().desire(), "yielding to a peer that comes back");
        m.handle(Event.DATA_READY, null);
        assertEquals(State.FENCING, m.state(), "the data is ready: the silent peer is fenced, then the group starts");
    }
}
