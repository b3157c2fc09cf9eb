package dev.palisade.supervisor.status;

import dev.palisade.drivers.metrics.MetricsText;
import dev.palisade.drivers.storage.DrbdState;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.history.HistoryRecord;
import dev.palisade.supervisor.node.FenceDeviceMonitor;
import dev.palisade.supervisor.node.NodeStatus;
import dev.palisade.supervisor.resources.Resource;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /metrics}: the supervisor's own state in the Prometheus text format, served whatever the pair is doing
 * (with the peer gone, while starting: {@code palisade_up} says whether the node runs). States are one gauge
 * series per state valued 1 or 0, never labels of a counter. DRBD uses ha_cluster_exporter's label names
 * ({@code ha_cluster_drbd_resources}, {@code ha_cluster_drbd_connections}), so its dashboards' queries carry
 * over with the prefix changed.
 */
public final class NodeMetrics {
    private NodeMetrics() {
    }

    public static String render(StatusView v, NodeCounters c) {
        MetricsText m = new MetricsText();
        NodeStatus s = v.snapshot();
        m.gauge("palisade_up", "1 when the supervisor runs its node and its decision loop turns; 0 while it starts"
                + " or when the loop stalled").sample(v.up() && s != null ? 1 : 0);
        MetricsText.Family role = m.gauge("palisade_role", "The failover state of this node: one series per state,"
                + " 1 for the current one");
        for (State st : State.values()) {
            role.sample(s != null && s.state() == st ? 1 : 0, "role", NodeCounters.word(st));
        }
        m.gauge("palisade_peer_alive", "1 when the peer is heard on at least one heartbeat link")
                .sample(s != null && s.peer().heardNow() ? 1 : 0);
        MetricsText.Family linkUp = m.gauge("palisade_heartbeat_link_up", "1 when the heartbeat link carries the"
                + " peer's frames");
        MetricsText.Family linkAge = m.gauge("palisade_heartbeat_link_last_frame_seconds", "Seconds since the"
                + " link's last frame from the peer (+Inf: never heard)");
        if (s != null) {
            for (var l : s.links()) {
                linkUp.sample(l.up() ? 1 : 0, "link", l.name());
                linkAge.sample(l.agoMillis() < 0 ? Double.POSITIVE_INFINITY : (l.agoMillis() + v.late()) / 1000.0,
                        "link", l.name());
            }
        }
        MetricsText.Family rejected = m.counter("palisade_heartbeat_frames_rejected_total", "Heartbeat frames"
                + " dropped, by reason (mac: wrong key or forged; noise: a bad serial line; replayed, old_incarnation,"
                + " foreign: authentic but not counted)");
        for (Map.Entry<String, Long> e : v.rejectedFrames().entrySet()) {
            rejected.sample(e.getValue(), "reason", e.getKey());
        }
        c.transitions.writeTo(m.counter("palisade_transitions_total", "Transitions of the failover machine since"
                + " the supervisor started, by the state entered"));
        c.fenceOperations.writeTo(m.counter("palisade_fence_operations_total", "Fence operations since the"
                + " supervisor started: one per level tried, by target node, level and result"));
        MetricsText.Family duration = m.family("palisade_fence_duration_seconds", MetricsText.Type.HISTOGRAM,
                "How long fences took, from the request to the verified result (delay included), by result");
        for (HistoryRecord.Result r : HistoryRecord.Result.values()) {
            duration.histogram(c.fenceDurations.get(r).snapshot(), "result", r.word());
        }
        MetricsText.Family deviceOk = m.gauge("palisade_fence_device_ok", "1 when the fence device's last check"
                + " (target seen, power read, and not OFF while the node is heard) passed; one series per device read");
        MetricsText.Family deviceAge = m.gauge("palisade_fence_device_last_check_seconds", "Seconds since the fence"
                + " device was last read");
        if (s != null) {
            for (FenceDeviceMonitor.Check d : s.fencing().devices()) {
                String[] labels = {"node", s.peer().name(), "level", Integer.toString(d.level()), "device", d.device()};
                deviceOk.sample(d.ok() ? 1 : 0, labels);
                deviceAge.sample(Math.max(0, v.nowMillis() - d.atWallMillis()) / 1000.0, labels);
            }
        }
        MetricsText.Family vip = m.gauge("palisade_vip_held", "1 when this node holds the VRRP instance's"
                + " addresses (VRRP master)");
        MetricsText.Family running = m.gauge("palisade_resource_running", "1 when the resource's last monitor"
                + " found it running here");
        MetricsText.Family drbd = m.gauge("palisade_drbd_resources", "DRBD resources as last read: one line per"
                + " resource and volume, value 1 (ha_cluster_exporter's ha_cluster_drbd_resources)");
        MetricsText.Family drbdPeers = m.gauge("palisade_drbd_connections", "DRBD connections as last read: one"
                + " line per resource, peer and volume, value 1 (ha_cluster_exporter's ha_cluster_drbd_connections)");
        MetricsText.Family mariadb = m.gauge("palisade_mariadb_up", "1 when the MariaDB resource's last monitor"
                + " found the server answering here");
        if (s != null) {
            for (NodeStatus.Vip vi : s.vips()) {
                vip.sample(vi.heldHere() ? 1 : 0, "instance", vi.name());
            }
            for (NodeStatus.ResourceView r : s.resources()) {
                boolean up = r.status() == Resource.Status.RUNNING;
                running.sample(up ? 1 : 0, "resource", r.name());
                if (r.name().startsWith("mariadb")) {
                    mariadb.sample(up ? 1 : 0, "resource", r.name());
                }
            }
            for (DrbdState d : s.drbd()) {
                for (DrbdState.Volume vol : d.volumes()) {
                    drbd.sample(1, "resource", d.resource(), "role", role(d.role()), "volume",
                            Integer.toString(vol.volume()), "disk_state", vol.disk().toLowerCase(Locale.ROOT));
                }
                for (DrbdState.PeerVolume pv : d.peerVolumes()) {
                    drbdPeers.sample(1, "resource", d.resource(), "peer_node_id", pv.peerNodeId(), "peer_role",
                            role(pv.peerRole()), "volume", Integer.toString(pv.volume()), "peer_disk_state",
                            pv.peerDisk().toLowerCase(Locale.ROOT));
                }
            }
        }
        return m.toString();
    }

    /** ha_cluster_exporter's role values: primary, secondary or unknown. */
    private static String role(String drbdRole) {
        String r = drbdRole == null ? "" : drbdRole.toLowerCase(Locale.ROOT);
        return r.equals("primary") || r.equals("secondary") ? r : "unknown";
    }
}
