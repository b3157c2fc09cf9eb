package dev.palisade.supervisor.status;

import dev.palisade.drivers.http.JsonWriter;
import dev.palisade.drivers.storage.DrbdState;
import dev.palisade.supervisor.history.HistoryRecord;
import dev.palisade.supervisor.node.FenceDeviceMonitor;
import dev.palisade.supervisor.node.Health;
import dev.palisade.supervisor.node.NodeStatus;
import java.time.Instant;

/**
 * {@code /status} and {@code palisade ctl status --json}: one JSON document with everything {@code ctl status}
 * shows, plus the persisted history. Its shape is {@code status.schema.json} (JSON Schema 2020-12, shipped
 * beside this class); {@code format} names the version, and fields are only ever added. Times are RFC 3339 UTC
 * strings, ages and durations integers in ms, states the failover machine's names.
 */
public final class StatusJson {
    public static final String FORMAT = "palisade-status/1";
    public static final String CONTENT_TYPE = "application/json; charset=utf-8";

    private StatusJson() {
    }

    public static String render(StatusView v) {
        JsonWriter j = new JsonWriter().begin();
        j.field("format", FORMAT).field("generated_at", time(v.nowMillis())).field("node", v.node())
                .field("up", v.up());
        Health h = v.health();
        j.key("health").begin().field("status", h.level().word()).field("code", h.level().exitCode());
        j.key("reasons").array();
        h.reasons().forEach(j::value);
        j.endArray().end();
        j.field("active_node", v.activeNode());
        NodeStatus s = v.snapshot();
        if (s == null) {
            for (String k : new String[] {"state", "peer", "fencing", "monitor_failures"}) {
                j.key(k).nullValue();
            }
            for (String k : new String[] {"links", "resources", "vips", "drbd"}) {
                j.key(k).array().endArray();
            }
        } else {
            state(j, s);
            peer(j, s, v.late());
            j.key("links").array();
            for (var l : s.links()) {
                j.begin().field("name", l.name()).field("up", l.up());
                if (l.agoMillis() < 0) {
                    j.key("last_frame_ago_ms").nullValue().key("seqno").nullValue();
                } else {
                    j.field("last_frame_ago_ms", l.agoMillis() + v.late()).field("seqno", l.seqno());
                }
                j.end();
            }
            j.endArray();
            NodeStatus.Fencing f = s.fencing();
            j.key("fencing").begin().field("plan", f.plan()).field("error", f.error())
                    .field("priority_delay_ms", f.priorityDelayMillis()).field("last", f.last())
                    .field("running", f.running()).field("monitor_interval_ms", f.monitorMillis());
            j.key("devices").array();
            for (FenceDeviceMonitor.Check c : f.devices()) {
                j.begin().field("level", c.level()).field("device", c.device()).field("ok", c.ok())
                        .field("power", c.power()).field("error", c.error()).field("checked_at", time(c.atWallMillis()))
                        .field("duration_ms", c.millis()).end();
            }
            j.endArray().end();
            j.key("resources").array();
            for (NodeStatus.ResourceView r : s.resources()) {
                j.begin().field("name", r.name()).field("status", r.status().name()).end();
            }
            j.endArray();
            j.key("monitor_failures").begin().field("count", s.failures())
                    .field("threshold", s.failurePolicy().threshold())
                    .field("window_s", s.failurePolicy().windowMillis() / 1000).end();
            j.key("vips").array();
            for (NodeStatus.Vip vip : s.vips()) {
                j.begin().field("instance", vip.name()).field("addresses", vip.addresses())
                        .field("held_here", vip.heldHere()).field("vrrp_state", vip.vrrpState())
                        .field("held_by", v.vipHolder(vip)).end();
            }
            j.endArray();
            j.key("drbd").array();
            for (DrbdState d : s.drbd()) {
                drbd(j, d);
            }
            j.endArray();
        }
        j.key("transitions").array();
        for (HistoryRecord.Transition t : v.events()) {
            j.begin().field("seq", t.seq()).field("at", time(t.atMillis())).field("from", t.from().name())
                    .field("to", t.to().name()).field("reason", t.reason()).field("incarnation", t.incarnation())
                    .end();
        }
        j.endArray();
        j.key("fences").array();
        for (HistoryRecord.Fence f : v.fences()) {
            j.begin().field("seq", f.seq()).field("at", time(f.atMillis())).field("node", f.node())
                    .field("result", f.result().word()).field("level", f.level()).field("duration_ms", f.millis());
            j.key("devices").array();
            f.devices().forEach(j::value);
            j.endArray().field("detail", f.detail()).end();
        }
        j.endArray();
        return j.end().toString() + "\n";
    }

    private static void state(JsonWriter j, NodeStatus s) {
        j.key("state").begin().field("name", s.state().name()).field("since", time(s.stateSinceMillis()))
                .field("reason", s.reason()).field("blocked", s.blocked()).field("incarnation", s.incarnation())
                .end();
    }

    private static void peer(JsonWriter j, NodeStatus s, long late) {
        NodeStatus.Peer p = s.peer();
        j.key("peer").begin().field("name", p.name()).field("state", p.said() == null ? null : p.said().name())
                .field("heard", p.heardNow()).field("membership", p.membership().name().toLowerCase());
        if (p.heardAgoMillis() < 0) {
            j.key("heard_ago_ms").nullValue();
        } else {
            j.field("heard_ago_ms", p.heardAgoMillis() + late);
        }
        if (p.incarnation() < 0) {
            j.key("incarnation").nullValue();
        } else {
            j.field("incarnation", p.incarnation());
        }
        j.field("verified_off", p.verifiedOff()).end();
    }

    private static void drbd(JsonWriter j, DrbdState d) {
        j.begin().field("resource", d.resource()).field("role", d.role()).field("suspended", d.suspended());
        j.key("volumes").array();
        for (DrbdState.Volume vol : d.volumes()) {
            j.begin().field("volume", vol.volume()).field("disk", vol.disk()).end();
        }
        j.endArray();
        j.key("peers").array();
        for (DrbdState.PeerVolume pv : d.peerVolumes()) {
            j.begin().field("peer_node_id", pv.peerNodeId()).field("peer_role", pv.peerRole())
                    .field("volume", pv.volume()).field("peer_disk", pv.peerDisk()).end();
        }
        j.endArray().end();
    }

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
