package dev.palisade.supervisor.cluster;

import dev.palisade.supervisor.config.FencingConfig;
import dev.palisade.supervisor.fencing.FencePlans;
import dev.palisade.supervisor.node.FenceDeviceMonitor;
import dev.palisade.supervisor.node.Lane;
import dev.palisade.supervisor.node.Scheduler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/**
 * The fence devices of every other member, read between fences as the pair reads its peer's
 * ({@link FenceDeviceMonitor}, {@code fencing { monitor_interval }}): a BMC that stopped answering or reaches the
 * wrong machine shows in {@code palisade ctl status} and the log on the day it breaks, not when that member is lost
 * and the VIP waits for its fence. One monitor per member with fencing configured, all on the fence lane (one call
 * at a time, never while a fence runs; a fence asked meanwhile waits at most for one read per member already
 * queued). A member in the group whose device reads its power OFF fails the check. Runs on the cluster loop.
 */
final class ClusterFenceReads {
    private final Map<String, FenceDeviceMonitor> monitors = new LinkedHashMap<>();
    private final Map<String, String> unreadable = new LinkedHashMap<>();
    private final Scheduler loop;

    /** {@code inGroup}: whether a node id is in the CPG group now (asked on the loop). */
    ClusterFenceReads(ClusterConfig config, Scheduler loop, Lane lane, BooleanSupplier fenceRunning,
                      IntPredicate inGroup) {
        this.loop = loop;
        for (Election.Member m : config.members()) {
            if (m.nodeId() == config.self().nodeId()) {
                continue;
            }
            FencingConfig.NodeFencing f = config.fencing().nodes().stream()
                    .filter(n -> n.name().equalsIgnoreCase(m.name())).findFirst().orElse(null);
            if (f == null) {
                unreadable.put(m.name(), "no fencing configured: it cannot be fenced");
                continue;
            }
            try {
                monitors.put(m.name(), new FenceDeviceMonitor(loop, lane, fenceRunning, FencePlans.plan(config.fencing(),
                        f), config.fencing().monitorInterval(), () -> inGroup.test(m.nodeId())));
            } catch (IOException e) {
                unreadable.put(m.name(), e.getMessage());
            }
        }
    }

    /** The first round of every monitor at once, then one every interval. */
    void start() {
        monitors.values().forEach(FenceDeviceMonitor::start);
    }

    /** Each member's last read, by member name (on the loop). */
    Map<String, List<FenceDeviceMonitor.Check>> checks() {
        Map<String, List<FenceDeviceMonitor.Check>> out = new LinkedHashMap<>();
        monitors.forEach((name, m) -> out.put(name, m.checks()));
        return out;
    }

    /** Lines for {@code palisade ctl status} (on the loop). */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        long now = loop.wallMillis();
        monitors.forEach((name, m) -> {
            if (m.interval().isZero()) {
                out.add("fencing " + name + ": " + FenceDeviceMonitor.NOT_READ);
                return;
            }
            List<FenceDeviceMonitor.Check> cs = m.checks();
            if (cs.isEmpty()) {
                out.add("fencing " + name + ": devices not read yet");
            }
            for (FenceDeviceMonitor.Check c : cs) {
                out.add("fencing " + name + ": " + c.describe(now));
            }
        });
        unreadable.forEach((name, why) -> out.add("fencing " + name + ": " + why));
        return out;
    }
}
