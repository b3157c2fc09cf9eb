package dev.palisade.supervisor.node;

import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.PeerTracker;
import java.util.List;

/** What the node loop needs of heartbeat membership: say what it announces, and read how the peer is heard. */
public interface PeerLink {
    /** What this node's frames say from now on (sent at once when it changed). */
    void announce(HeartbeatFrame.Status status);

    PeerTracker.PeerState peerState();

    List<PeerTracker.LinkView> links();

    /** The peer's incarnation heard last, or -1. */
    long peerIncarnation();
}
