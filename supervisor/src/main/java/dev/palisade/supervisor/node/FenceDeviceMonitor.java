package dev.palisade.supervisor.node;

import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FenceDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * Reads every fence device of the peer's plan every {@code interval}, as Pacemaker monitors its stonith devices: a
 * BMC that stopped answering, a gateway that lost the peer's domain or a wrong address shows in status and in
 * monitoring on the day it breaks, not on the night the peer dies; and the first fence after boot does not pay
 * for a cold path (a first IPMI session, classes, the JIT). A read is {@link FenceDevice#checkTarget()} then
 * {@link FenceDevice#status()} on the fence lane, device by device. Never while a fence runs: a round stops when
 * one begins, and a fence asked meanwhile waits at most for the one call in flight, which has its device's own
 * deadline. Nothing here ever powers anything: a read cannot fence.
 *
 * <p>A device that reads the peer's power OFF while the peer is heard on a heartbeat link is reported as failed:
 * it reaches some other machine, or a stock fence_virt gateway answers OFF for a domain it does not know.
 *
 * <p>Runs on the node loop (its results are read there); the device calls run on the fence lane.
 */
public final class FenceDeviceMonitor {
    /** The last read of one device: {@code power} null when the read failed. */
    public record Check(int level, String device, boolean ok, String power, String error, long atWallMillis,
                        long millis) {
        /** {@code level 1 ipmi ...: ok, power ON (read 12 s ago, 9 ms)}, or {@code FAILED: why}, as status says it. */
        public String describe(long nowWallMillis) {
            return "level " + level + " " + device + ": " + (ok ? "ok, power " + power : "FAILED: " + error)
                    + " (read " + Math.max(0, nowWallMillis - atWallMillis) / 1000 + " s ago, " + millis + " ms)";
        }
    }

    /** What status says when the devices are never read. */
    public static final String NOT_READ = "fence devices are not read between fences (monitor_interval = \"0s\")";

    private record Slot(int level, FenceDevice device) {
    }

    private final Scheduler loop;
    private final Lane lane;
    private final BooleanSupplier fenceRunning;
    private final Duration interval;
    private final BooleanSupplier peerHeard;
    private final String peer;
    private final List<Slot> slots = new ArrayList<>();
    private final Check[] checks;
    private boolean started;

    /**
     * {@code interval} zero: never reads (status then says so). {@code fenceRunning} is asked on the loop before
     * each read; {@code peerHeard} when a read comes back.
     */
    public FenceDeviceMonitor(Scheduler loop, Lane lane, BooleanSupplier fenceRunning, FenceCoordinator.Plan plan,
                              Duration interval, BooleanSupplier peerHeard) {
        this.loop = loop;
        this.lane = lane;
        this.fenceRunning = fenceRunning;
        this.interval = interval;
        this.peerHeard = peerHeard;
        this.peer = plan.node();
        for (int l = 0; l < plan.levels().size(); l++) {
            for (FenceDevice d : plan.levels().get(l).devices()) {
                slots.add(new Slot(l + 1, d));
            }
        }
        this.checks = new Check[slots.size()];
    }

    /** The first round at once (it warms the path a fence takes), then one every interval. */
    public void start() {
        if (started || interval.isZero() || slots.isEmpty()) {
            return;
        }
        started = true;
        read(0);
    }

    /** The monitor's reading interval (zero: off). */
    public Duration interval() {
        return interval;
    }

    /** The last read of every device that has been read, in plan order (on the loop). */
    public List<Check> checks() {
        List<Check> out = new ArrayList<>();
        for (Check c : checks) {
            if (c != null) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    private void read(int i) {
        if (i >= slots.size() || fenceRunning.getAsBoolean()) {
            // a fence that began owns the lane and reads the devices itself; the next round comes on time
            loop.schedule(interval.toMillis(), () -> read(0));
            return;
        }
        Slot s = slots.get(i);
        long began = loop.nanos();
        lane.call(() -> {
            s.device().checkTarget();
            return s.device().status();
        }, (FenceDevice.Power p, Exception failure) -> {
            long took = (loop.nanos() - began) / 1_000_000;
            String error = failure != null ? String.valueOf(failure.getMessage())
                    : p == FenceDevice.Power.OFF && peerHeard.getAsBoolean() ? "reads " + peer + "'s power OFF while "
                    + peer + " is heard: it does not reach " + peer + " (wrong address or domain?)" : null;
            record(i, new Check(s.level(), s.device().describe(), error == null, p == null ? null : p.name(),
                    error, loop.wallMillis(), took));
            read(i + 1);
        });
    }

    private void record(int i, Check c) {
        Check before = checks[i];
        checks[i] = c;
        boolean wasOk = before == null || before.ok();
        if (!c.ok() && (wasOk || !c.error().equals(before.error()))) {
            Logger.warn("fence device {} (level {}) for {} FAILED its check: {}; fencing {} may fail", c.device(),
                    c.level(), peer, c.error(), peer);
        } else if (c.ok() && !wasOk) {
            Logger.info("fence device {} (level {}) for {} answers again (power {})", c.device(), c.level(), peer,
                    c.power());
        }
    }
}
