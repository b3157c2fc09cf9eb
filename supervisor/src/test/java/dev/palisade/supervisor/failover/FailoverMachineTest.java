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
}
