package dev.palisade.supervisor.status;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.history.HistoryRecord;
import dev.palisade.supervisor.node.Health;
import dev.palisade.supervisor.node.NodeStatus;
import java.util.List;
import java.util.Map;

/**
 * What every renderer of the node's status reads ({@code /status}, {@code ctl status --json}, the page,
 * {@code /metrics}), gathered once per request from what the daemon already published: the node's last
 * snapshot (null while it starts), the persisted history, the heartbeat rejections, and whether the node loop
 * turns. Gathering it never waits for the loop or a heartbeat thread.
 */
public record StatusView(String node, long nowMillis, boolean up, NodeStatus snapshot,
                         List<HistoryRecord.Transition> events, List<HistoryRecord.Fence> fences,
                         Map<String, Long> rejectedFrames) {
    /** How many transitions and fences the page and /status show. */
    public static final int RECENT = 10;

    public Health health() {
        if (snapshot == null) {
            return new Health(Health.Level.UNKNOWN, List.of("the supervisor is starting (checking for leftovers of"
                    + " the group before joining)"));
        }
        if (!up) {
            return new Health(Health.Level.CRITICAL, List.of("the supervisor's node loop has not turned for more"
                    + " than 5 s"));
        }
        return Health.of(snapshot);
    }

    /** The node that runs the group as far as this node knows (itself, or the peer it hears say so), or null. */
    public String activeNode() {
        if (snapshot == null) {
            return null;
        }
        if (snapshot.state() == State.ACTIVE) {
            return snapshot.node();
        }
        NodeStatus.Peer p = snapshot.peer();
        return p.heardNow() && p.said() == State.ACTIVE ? p.name() : null;
    }

    /** Who holds VRRP instance {@code v}: this node when it is master here, else the active peer, else null. */
    public String vipHolder(NodeStatus.Vip v) {
        if (v.heldHere()) {
            return snapshot.node();
        }
        String active = activeNode();
        return active != null && !active.equals(snapshot.node()) ? active : null;
    }

    /** Ages in a snapshot are as of its time: what they are now. */
    public long late() {
        return snapshot == null ? 0 : Math.max(0, nowMillis - snapshot.atMillis());
    }
}
