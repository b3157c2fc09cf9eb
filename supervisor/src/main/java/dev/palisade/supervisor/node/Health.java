package dev.palisade.supervisor.node;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import java.util.ArrayList;
import java.util.List;

/**
 * How the pair is doing, as monitoring plugins grade it (the Nagios / monitoring-plugins exit codes that
 * {@code palisade ctl status} returns): OK 0, DEGRADED 1 (WARNING: still serving, but one more fault from an
 * outage), CRITICAL 2 (nothing serves, or something is wrong that an operator must fix now), UNKNOWN 3 (this node
 * cannot tell yet). Read from a {@link NodeStatus} alone, with every reason listed.
 *
 * <ul>
 * <li>CRITICAL: this node FAILED; no node ACTIVE (neither this one nor a peer heard saying so) outside maintenance;
 *     both ACTIVE.</li>
 * <li>DEGRADED: a heartbeat link down; the peer not heard; the peer not standing by (FAILED, MAINTENANCE, ...)
 *     while this node is ACTIVE; maintenance mode on either node; no usable fencing plan; a fence device that
 *     failed its last check ({@link FenceDeviceMonitor}); the group waiting for
 *     data; monitor failures counted toward a handover.</li>
 * <li>UNKNOWN: this node is still in INITDEAD (it has not decided anything yet).</li>
 * </ul>
 */
public record Health(Level level, List<String> reasons) {
    public enum Level {
        OK(0), DEGRADED(1), CRITICAL(2), UNKNOWN(3);

        private final int exitCode;

        Level(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The monitoring-plugin exit code. */
        public int exitCode() {
            return exitCode;
        }

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The line {@code ctl status} ends with: {@code health: DEGRADED: link serial0 down}. */
    public String line() {
        return "health: " + level + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
    }

    public static Health of(NodeStatus s) {
        List<String> critical = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        if (s.state() == State.INITDEAD) {
            return new Health(Level.UNKNOWN, List.of("this node is waiting for its peer before deciding (INITDEAD)"));
        }
        NodeStatus.Peer p = s.peer();
        State peer = p.heardNow() ? p.said() : null;
        boolean maintenance = s.state() == State.MAINTENANCE || peer == State.MAINTENANCE;
        if (s.state() == State.FAILED) {
            critical.add("this node FAILED (a stop did not stop): the peer must fence it");
        }
        if (s.state() == State.ACTIVE && peer == State.ACTIVE) {
            critical.add("both nodes say ACTIVE");
        } else if (s.state() != State.ACTIVE && peer != State.ACTIVE && !maintenance) {
            critical.add("no node is ACTIVE (this node " + s.state() + ", peer " + (peer == null ? "not heard"
                    : peer.toString()) + ")");
        }
        if (maintenance) {
            degraded.add("maintenance mode: the pair does not manage the group");
        }
        for (var l : s.links()) {
            if (!l.up()) {
                degraded.add("link " + l.name() + " down");
            }
        }
        if (!p.heardNow()) {
            degraded.add("peer " + p.name() + " not heard");
        } else if (s.state() == State.ACTIVE && peer != State.STANDBY && peer != State.MAINTENANCE
                && peer != State.ACTIVE) {
            degraded.add("peer " + p.name() + " is " + (peer == null ? "in an unknown state" : peer.toString())
                    + ", not standing by");
        }
        if (s.fencing().error() != null) {
            degraded.add("fencing: " + s.fencing().error());
        }
        for (FenceDeviceMonitor.Check c : s.fencing().devices()) {
            if (!c.ok()) {
                degraded.add("fence device " + c.device() + " (level " + c.level() + ") failed its check: " + c.error());
            }
        }
        if (s.blocked() != null) {
            degraded.add("the group cannot start here: " + s.blocked());
        }
        if (s.failures() > 0) {
            degraded.add(s.failures() + " monitor failure(s) of " + s.failurePolicy().threshold() + " counted");
        }
        if (!critical.isEmpty()) {
            critical.addAll(degraded);
            return new Health(Level.CRITICAL, List.copyOf(critical));
        }
        return new Health(degraded.isEmpty() ? Level.OK : Level.DEGRADED, List.copyOf(degraded));
    }
}
