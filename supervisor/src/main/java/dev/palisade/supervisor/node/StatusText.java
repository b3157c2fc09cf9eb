package dev.palisade.supervisor.node;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** {@code palisade ctl status}: a {@link NodeStatus} as the text an operator reads. */
public final class StatusText {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private StatusText() {
    }

    public static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis));
    }

    /** The one line a service manager shows ({@code systemctl status}): {@code ACTIVE, peer STANDBY, 2/2 links}. */
    public static String line(NodeStatus s) {
        NodeStatus.Peer p = s.peer();
        long up = s.links().stream().filter(l -> l.up()).count();
        return s.state() + (s.blocked() != null ? " (waiting for data)" : "") + ", peer "
                + (p.heardNow() ? (p.said() == null ? "UNKNOWN" : p.said().toString()) : "not heard") + ", " + up + "/"
                + s.links().size() + " links";
    }

    public static String render(NodeStatus s, long nowMillis) {
        StringBuilder sb = new StringBuilder();
        long late = Math.max(0, nowMillis - s.atMillis());
        if (late > 5000) {
            sb.append("WARNING: the node loop has published nothing for ").append(late / 1000)
                    .append(" s: it may be hung (systemd's watchdog restarts it)\n");
        }
        sb.append("node ").append(s.node()).append(": ").append(s.state()).append(" since ")
                .append(time(s.stateSinceMillis())).append(" (").append(s.reason()).append(")\n");
        if (s.blocked() != null) {
            sb.append("WAITING: the group cannot start here: ").append(s.blocked()).append("\n");
        }
        NodeStatus.Peer p = s.peer();
        String said = p.said() == null ? "UNKNOWN" : p.said().toString();
        sb.append("peer ").append(p.name()).append(": ").append(p.heardNow() ? said
                        : "not heard" + (p.said() == null ? "" : " (last said " + said + ")"))
                .append(", membership ").append(p.membership().toString().toLowerCase())
                .append(p.heardAgoMillis() < 0 ? ", never heard" : ", heard " + (p.heardAgoMillis() + late) + " ms ago")
                .append(p.verifiedOff() ? ", power verified off (not heard since)" : "").append("\n");
        sb.append("links:");
        for (var l : s.links()) {
            sb.append(" ").append(l.name()).append(" ").append(l.up() ? "up" : "DOWN").append(l.agoMillis() < 0
                    ? " (never heard)" : " (seq " + l.seqno() + ", " + (l.agoMillis() + late) + " ms ago)").append(";");
        }
        sb.append("\n");
        NodeStatus.Fencing f = s.fencing();
        sb.append("fencing ").append(p.name()).append(": ").append(f.error() != null ? f.error() : f.plan())
                .append(f.running() ? "; a fence is running" : "").append(f.last() == null ? "" : "; last: " + f.last())
                .append("\n");
        for (FenceDeviceMonitor.Check c : f.devices()) {
            sb.append("  ").append(c.describe(s.atMillis())).append("\n");
        }
        if (f.error() == null && f.monitorMillis() == 0) {
            sb.append("  ").append(FenceDeviceMonitor.NOT_READ).append("\n");
        }
        sb.append("resources").append(s.resources().isEmpty() ? ": none\n" : " (monitor failures " + s.failures()
                + " of " + s.failurePolicy().threshold() + " within " + s.failurePolicy().windowMillis() / 1000
                + " s hand the group over):\n");
        for (NodeStatus.ResourceView r : s.resources()) {
            sb.append("  ").append(r.name()).append(": ").append(r.status()).append("\n");
        }
        for (NodeStatus.Vip v : s.vips()) {
            sb.append("vip ").append(v.name()).append(" ").append(v.addresses()).append(": ")
                    .append(v.heldHere() ? "held by " + s.node() + " (this node, VRRP MASTER)" : "not here (VRRP "
                            + v.vrrpState() + (p.heardNow() && "ACTIVE".equals(said) ? "; peer " + p.name()
                            + " is ACTIVE" : "") + ")").append("\n");
        }
        sb.append("recent transitions:\n");
        for (NodeStatus.Transition t : s.transitions()) {
            sb.append("  ").append(time(t.atMillis())).append(" ").append(t.from()).append(" -> ").append(t.to())
                    .append(": ").append(t.reason()).append("\n");
        }
        sb.append(Health.of(s).line()).append("\n");
        return sb.toString();
    }

    /** {@code links}: each heartbeat link, its state and the age of its last frame. */
    public static String links(NodeStatus s, long nowMillis) {
        long late = Math.max(0, nowMillis - s.atMillis());
        StringBuilder sb = new StringBuilder();
        if (s.links().isEmpty()) {
            sb.append("no heartbeat links yet (membership starts after the start-up check)\n");
        }
        for (var l : s.links()) {
            sb.append(String.format(java.util.Locale.ROOT, "%-16s %-4s %s%n", l.name(), l.up() ? "up" : "DOWN",
                    l.agoMillis() < 0 ? "never heard" : "last frame " + (l.agoMillis() + late) + " ms ago, seq "
                            + l.seqno()));
        }
        return sb.toString();
    }

    /** {@code resources}: each resource of the group with what its last monitor or run said. */
    public static String resources(NodeStatus s) {
        StringBuilder sb = new StringBuilder();
        if (s.resources().isEmpty()) {
            sb.append("no resources in the group\n");
        }
        for (NodeStatus.ResourceView r : s.resources()) {
            sb.append(r.name()).append(": ").append(r.status()).append("\n");
        }
        sb.append("monitor failures: ").append(s.failures()).append(" of ").append(s.failurePolicy().threshold())
                .append(" within ").append(s.failurePolicy().windowMillis() / 1000).append(" s hand the group over\n");
        return sb.toString();
    }
}
