package dev.palisade.supervisor.fencing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Fences one node, blocking, by driving a {@link FenceRun}: the delay (so that two nodes that lose each other
 * at once do not shoot each other), then the devices of level 1, then level 2, ... A level succeeds only when
 * every one of its devices proved it sees its target, accepted "off" AND the power then reads off, polled until
 * the verify deadline; "command accepted" is never success. Also the home of the fencing vocabulary (plans,
 * levels, steps, outcomes) that the node loop's fence worker and the simulation share.
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
     * Runs the plan once with its own delay, blocking. {@code stillWanted} is asked during the delay and once
     * more just before the first "off"; {@code report} sees every step as it happens.
     */
    public Outcome fence(Plan plan, Action action, BooleanSupplier stillWanted, Consumer<Step> report)
            throws InterruptedException {
        return fence(plan, action, plan.delay(), stillWanted, report);
    }

    /** As {@link #fence(Plan, Action, BooleanSupplier, Consumer)} with {@code delay} instead of the plan's own. */
    public Outcome fence(Plan plan, Action action, Duration delay, BooleanSupplier stillWanted, Consumer<Step> report)
            throws InterruptedException {
        FenceRun run = new FenceRun(plan, action, delay, clock.nanos(), s -> {
            log(plan.node(), s);
            report.accept(s);
        });
        while (true) {
            FenceRun.Step step = run.next(clock.nanos());
            if (step instanceof FenceRun.Done d) {
                logOutcome(d.outcome());
                return d.outcome();
            } else if (step instanceof FenceRun.Wait w) {
                clock.sleep(Duration.ofMillis(w.millis()));
                run.waited();
            } else if (step instanceof FenceRun.Ask) {
                run.wanted(stillWanted.getAsBoolean(), clock.nanos());
            } else {
                FenceRun.Call c = (FenceRun.Call) step;
                FenceDevice.Power p = null;
                IOException failure = null;
                try {
                    p = call(c);
                } catch (IOException e) {
                    failure = e;
                }
                run.called(p, failure, clock.nanos());
            }
        }
    }

    /** One device call a {@link FenceRun} asks for; STATUS returns the power read, the others null. */
    public static FenceDevice.Power call(FenceRun.Call c) throws IOException {
        switch (c.op()) {
            case CHECK_TARGET -> c.device().checkTarget();
            case OFF -> c.device().off();
            case ON -> c.device().on();
            default -> {
                return c.device().status();
            }
        }
        return null;
    }

    /** Every step goes to the log: success at INFO, a failure at WARN. */
    public static void log(String node, Step s) {
        if (s.ok()) {
            Logger.info("fence {}: {}", node, s);
        } else {
            Logger.warn("fence {}: {}", node, s);
        }
    }

    /** The outcome goes to the log: fenced at INFO, not fenced at ERROR, a cancellation at INFO. */
    public static void logOutcome(Outcome o) {
        if (o.fenced() || o.cancelled()) {
            Logger.info("fence {}", o.summary());
        } else {
            Logger.error("fence {}", o.summary());
        }
    }
}
