package dev.palisade.supervisor.node;

import dev.palisade.drivers.storage.DrbdState;
import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.resources.Resource;
import java.util.List;

/**
 * Everything an operator asks about at 3 a.m., as one immutable snapshot the node loop publishes after every
 * change: every renderer (ctl status, and anything else that shows the node) reads this, never the loop's
 * own state. Times are wall-clock ms for what happened, and ages in ms as of {@code atMillis}. {@code drbd}: each
 * DRBD resource of the group as last read (by its monitor), none before the first read.
 */
public record NodeStatus(
        long atMillis,
        String node,
        long incarnation,
        FailoverMachine.State state,
        long stateSinceMillis,
        String reason,
        String blocked,
        Peer peer,
        List<PeerTracker.LinkView> links,
        Fencing fencing,
        List<ResourceView> resources,
        int failures,
        FailoverMachine.FailurePolicy failurePolicy,
        List<Vip> vips,
        List<Transition> transitions,
        List<DrbdState> drbd) {

    /** The peer as heard: what it said last, whether it is heard now, membership's view, and when. */
    public record Peer(String name, FailoverMachine.State said, boolean heardNow, PeerTracker.PeerState membership,
                       long heardAgoMillis, long incarnation, boolean verifiedOff) {
    }

    /**
     * How the peer is fenced, the last outcome, and the last read of each device ({@code monitorMillis} apart;
     * zero: never read).
     */
    public record Fencing(String plan, String error, long priorityDelayMillis, String last, boolean running,
                          long monitorMillis, List<FenceDeviceMonitor.Check> devices) {
    }

    /** One resource of the group with what its last monitor or run said. */
    public record ResourceView(String name, Resource.Status status) {
    }

    /** One VRRP instance's addresses and whether this node holds them. */
    public record Vip(String name, String addresses, boolean heldHere, String vrrpState) {
    }

    /** One transition of the failover machine, with its reason. */
    public record Transition(long atMillis, FailoverMachine.State from, FailoverMachine.State to, String reason) {
    }
}
