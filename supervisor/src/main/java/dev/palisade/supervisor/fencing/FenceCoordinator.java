package dev.palisade.supervisor.fencing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Fences one node: waits the node's race delay (so that two nodes that lose each other at once do not
 * shoot each other), then tries the devices of level 1, then level 2, ... A level succeeds only when every
 * one of its devices accepted "off" AND the power then reads off, polled until the verify deadline; "command
 * accepted" is never success. A reboot is a verified off followed by on, so a node that is already off is
 * handled like any other (an off that fails on an already-off node counts as off). Time comes from a
 * {@link Clock}, so the same code runs under simulated time.
 */
public final class FenceCoordinator {
    /** Time and sleeping; {@link #SYSTEM} in production, a simulated clock in tests. */
    public interface Clock {
        long nanos();

        void sleep(Duration d) throws InterruptedException;
    }

    public static final Clock SYSTEM = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis());
        }
    };

    /** What fencing asks of the node. */
    public enum Action { OFF, REBOOT }

    /** The devices of one level, all of which must turn the node off (e.g. two power supplies). */
    public record Level(List<FenceDevice> devices) {
    }

    /** How one node is fenced. */
    public record Plan(String node, Duration delay, List<Level> levels, Duration verifyTimeout, Duration pollInterval) {
        /** The same plan without its race delay (an operator at the console, DRBD's handler). */
        public Plan withoutDelay() {
            return new Plan(node, Duration.ZERO, levels, verifyTimeout, pollInterval);
        }
    }

    /** One thing the coordinator did, for the log and the operator's report. */
    public record Step(int level, String device, String what, boolean ok, long millis, String detail) {
        @Override
        public String toString() {
            return (level > 0 ? "level " + level + " " : "") + (device.isEmpty() ? "" : device + ": ") + what
                    + (ok ? "" : " FAILED") + " (" + millis + " ms)" + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    /** The result: fenced means power verified off by {@code level}. */
    public record Outcome(String node, boolean fenced, boolean cancelled, int level, long millis, List<Step> steps) {
        public String summary() {
            if (cancelled) {
                return node + ": fencing cancelled after " + millis + " ms (no longer needed)";
            }
            return fenced ? node + " fenced: power verified off by level " + level + " in " + millis + " ms"
                    : node + " NOT fenced: every level failed (" + millis + " ms)";
        }
    }

    private final Clock clock;

    public FenceCoordinator(Clock clock) {
        this.clock = clock;
    }

    /**
     * Runs the plan once. {@code stillWanted} is asked during the race delay (the peer may have come back);
     * {@code report} sees every step as it happens.
     */
    public Outcome fence(Plan plan, Action action, BooleanSupplier stillWanted, Consumer<Step> report)
            throws InterruptedException {
        long t0 = clock.nanos();
        List<Step> steps = new ArrayList<>();
        Consumer<Step> record = s -> {
            steps.add(s);
            if (s.ok()) {
                Logger.info("fence {}: {}", plan.node(), s);
            } else {
                Logger.warn("fence {}: {}", plan.node(), s);
            }
            report.accept(s);
        };
        if (!plan.delay().isZero()) {
            long end = t0 + plan.delay().toNanos();
            while (clock.nanos() < end) {
                if (!stillWanted.getAsBoolean()) {
                    record.accept(new Step(0, "", "race delay interrupted", true, ms(t0), "fencing no longer wanted"));
                    return new Outcome(plan.node(), false, true, 0, ms(t0), steps);
                }
                clock.sleep(Duration.ofNanos(Math.min(end - clock.nanos(), Duration.ofMillis(100).toNanos()) + 1));
            }
            record.accept(new Step(0, "", "race delay " + plan.delay().toMillis() + " ms", true, ms(t0), ""));
            if (!stillWanted.getAsBoolean()) {
                return new Outcome(plan.node(), false, true, 0, ms(t0), steps);
            }
        }
        for (int i = 0; i < plan.levels().size(); i++) {
            int level = i + 1;
            if (runLevel(plan, level, plan.levels().get(i), record)) {
                if (action == Action.REBOOT) {
                    for (FenceDevice d : plan.levels().get(i).devices()) {
                        long s = clock.nanos();
                        try {
                            d.on();
                            record.accept(new Step(level, d.describe(), "on accepted", true, ms(s), ""));
                        } catch (IOException e) {
                            // the node is fenced; not coming back is the operator's to look at, not a fence failure
                            record.accept(new Step(level, d.describe(), "on", false, ms(s), e.getMessage()));
                        }
                    }
                }
                Outcome o = new Outcome(plan.node(), true, false, level, ms(t0), steps);
                Logger.info("{}", o.summary());
                return o;
            }
        }
        Outcome o = new Outcome(plan.node(), false, false, 0, ms(t0), steps);
        Logger.error("{}", o.summary());
        return o;
    }

    private boolean runLevel(Plan plan, int level, Level l, Consumer<Step> record) throws InterruptedException {
        if (l.devices().isEmpty()) {
            return false;
        }
        for (FenceDevice d : l.devices()) {
            long s = clock.nanos();
            try {
                d.off();
                record.accept(new Step(level, d.describe(), "off accepted", true, ms(s), ""));
            } catch (IOException e) {
                if (!alreadyOff(d)) {
                    record.accept(new Step(level, d.describe(), "off", false, ms(s), e.getMessage()));
                    return false;
                }
                record.accept(new Step(level, d.describe(), "off refused but power already reads off", true, ms(s),
                        e.getMessage()));
            }
        }
        for (FenceDevice d : l.devices()) {
            if (!verifyOff(plan, level, d, record)) {
                return false;
            }
        }
        return true;
    }

    private boolean alreadyOff(FenceDevice d) {
        try {
            return d.status() == FenceDevice.Power.OFF;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean verifyOff(Plan plan, int level, FenceDevice d, Consumer<Step> record) throws InterruptedException {
        long s = clock.nanos();
        long deadline = s + plan.verifyTimeout().toNanos();
        int polls = 0;
        String last = "";
        while (true) {
            polls++;
            try {
                if (d.status() == FenceDevice.Power.OFF) {
                    record.accept(new Step(level, d.describe(), "power verified off", true, ms(s),
                            polls + (polls == 1 ? " status read" : " status reads")));
                    return true;
                }
                last = "power still reads on";
            } catch (IOException e) {
                last = "status failed: " + e.getMessage();
            }
            if (clock.nanos() + plan.pollInterval().toNanos() > deadline) {
                record.accept(new Step(level, d.describe(), "verify off", false, ms(s), last + " after " + polls
                        + " status reads in " + plan.verifyTimeout().toMillis() + " ms"));
                return false;
            }
            clock.sleep(plan.pollInterval());
        }
    }

    private long ms(long from) {
        return (clock.nanos() - from) / 1_000_000;
    }
}
