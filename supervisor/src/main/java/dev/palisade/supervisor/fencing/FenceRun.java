package dev.palisade.supervisor.fencing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One fence of one node as a sequence of steps with no I/O and no clock (like {@code GroupRun}): the driver
 * asks {@link #next}, does what the step says (waits, asks whether the fence is still wanted, calls a device),
 * reports back, until {@link Done}. The same stepper runs behind the blocking {@link FenceCoordinator} (the
 * {@code palisade fence} command), the node loop's asynchronous fence worker and the simulation.
 *
 * <p>What it does:
 * <ol>
 * <li>The delay ({@code delay}: the race delay of a node that does not hold the group, plus the target's own):
 *     when every device of the first level can tell off from unknown ({@link FenceDevice#offIsReliable}), sees
 *     its target and reads it off already, no race is possible and the delay is skipped; otherwise it is waited
 *     in slices, asking whether the fence is still wanted between them.</li>
 * <li>Level by level: every device must prove it sees its target; just before the first "off" of the whole
 *     fence, the fence is asked once more whether it is still wanted (the last moment to cancel); every device
 *     turns the node off ("off" refused counts only on a device that can tell off from unknown and reads it off);
 *     then every device must read off within the verify timeout. A level fails at its first failing device and
 *     the next level is tried.</li>
 * <li>A reboot turns the devices of the level that fenced back on (not coming back is reported, not a failure).</li>
 * </ol>
 */
public final class FenceRun {
    /** What a device is asked. */
    public enum Op { CHECK_TARGET, OFF, STATUS, ON }

    /** What the driver does next. */
    public sealed interface Step permits Wait, Ask, Call, Done {
    }

    /** Wait this long, then ask {@link #next} again. */
    public record Wait(long millis) implements Step {
    }

    /** Ask whether the fence is still wanted and report with {@link #wanted}. */
    public record Ask() implements Step {
    }

    /** Call {@code op} on {@code device} (of {@code level}, 1-based) and report with {@link #called}. */
    public record Call(int level, FenceDevice device, Op op) implements Step {
    }

    /** The fence is over. */
    public record Done(FenceCoordinator.Outcome outcome) implements Step {
    }

    private enum Phase { PRECHECK, DELAY, LEVEL_TARGETS, LEVEL_OFF, LEVEL_VERIFY, REBOOT_ON, DONE }

    private static final long DELAY_SLICE_MILLIS = 100;

    private final FenceCoordinator.Plan plan;
    private final FenceCoordinator.Action action;
    private final long delayNanos;
    private final long t0;
    private final List<FenceCoordinator.Step> steps = new ArrayList<>();
    private final StepListener listener;
    private Phase phase;
    private int level; // 0-based
    private int device;
    private boolean offIssued;
    private boolean askedBeforeOff;
    private boolean askedThisSlice;
    private long delayEnd;
    private long verifyStart;
    private long verifyDeadline;
    private int polls;
    private String lastStatus = "";
    private long callStart;
    private Step pending;
    private Done done;

    /** Hears every step as it is recorded (the log, an operator's report). */
    public interface StepListener {
        void step(FenceCoordinator.Step s);
    }

    public FenceRun(FenceCoordinator.Plan plan, FenceCoordinator.Action action, java.time.Duration delay, long nowNanos,
                    StepListener listener) {
        this.plan = plan;
        this.action = action;
        this.delayNanos = delay.toNanos();
        this.t0 = nowNanos;
        this.listener = listener;
        this.phase = delayNanos > 0 && levelIsReliable(0) ? Phase.PRECHECK : delayNanos > 0 ? Phase.DELAY
                : Phase.LEVEL_TARGETS;
        this.delayEnd = nowNanos + delayNanos;
    }

    private boolean levelIsReliable(int l) {
        return !plan.levels().isEmpty() && !plan.levels().get(l).devices().isEmpty()
                && plan.levels().get(l).devices().stream().allMatch(FenceDevice::offIsReliable);
    }

    public List<FenceCoordinator.Step> steps() {
        return steps;
    }

    /** The next step at {@code nowNanos}; asking twice without reporting returns the same step. */
    public Step next(long nowNanos) {
        if (pending != null) {
            return pending;
        }
        if (done != null) {
            return done;
        }
        pending = decide(nowNanos);
        if (pending instanceof Done d) {
            done = d;
            pending = null;
        } else if (pending instanceof Call) {
            callStart = nowNanos;
        }
        return pending == null ? done : pending;
    }

    private Step decide(long now) {
        while (true) {
            switch (phase) {
                case PRECHECK -> {
                    // a race needs two live nodes: a target every device reads off (and sees) cannot shoot back
                    if (device < 2 * devices().size()) {
                        return new Call(1, devices().get(device / 2), device % 2 == 0 ? Op.CHECK_TARGET : Op.STATUS);
                    }
                    record(new FenceCoordinator.Step(0, "", "delay skipped", true, ms(now), "the target's power "
                            + "already reads off on every device of level 1: no race is possible"));
                    phase = Phase.LEVEL_TARGETS;
                    device = 0;
                }
                case DELAY -> {
                    if (!askedThisSlice) {
                        askedThisSlice = true; // one question per slice of the delay
                        return new Ask();
                    }
                    askedThisSlice = false;
                    if (now - delayEnd < 0) {
                        return new Wait(Math.min(DELAY_SLICE_MILLIS, (delayEnd - now + 999_999) / 1_000_000));
                    }
                    record(new FenceCoordinator.Step(0, "", "race delay " + delayNanos / 1_000_000 + " ms", true, ms(now),
                            ""));
                    phase = Phase.LEVEL_TARGETS;
                    device = 0;
                }
                case LEVEL_TARGETS -> {
                    if (level >= plan.levels().size()) {
                        return finish(now, false);
                    }
                    if (devices().isEmpty()) {
                        level++;
                        continue;
                    }
                    if (device < devices().size()) {
                        return new Call(level + 1, devices().get(device), Op.CHECK_TARGET);
                    }
                    if (!offIssued && !askedBeforeOff) {
                        askedBeforeOff = true;
                        return new Ask();
                    }
                    phase = Phase.LEVEL_OFF;
                    device = 0;
                }
                case LEVEL_OFF -> {
                    if (device < 2 * devices().size()) {
                        // even slots: off; odd slots: the status read of an off that was refused
                        if (device % 2 == 1) {
                            device++;
                            continue;
                        }
                        offIssued = true;
                        return new Call(level + 1, devices().get(device / 2), Op.OFF);
                    }
                    phase = Phase.LEVEL_VERIFY;
                    device = 0;
                    verifyStart = now;
                    verifyDeadline = now + plan.verifyTimeout().toNanos();
                    polls = 0;
                }
                case LEVEL_VERIFY -> {
                    if (device < devices().size()) {
                        return new Call(level + 1, devices().get(device), Op.STATUS);
                    }
                    if (action == FenceCoordinator.Action.REBOOT) {
                        phase = Phase.REBOOT_ON;
                        device = 0;
                        continue;
                    }
                    return finish(now, true);
                }
                case REBOOT_ON -> {
                    if (device < devices().size()) {
                        return new Call(level + 1, devices().get(device), Op.ON);
                    }
                    return finish(now, true);
                }
                case DONE -> {
                    return done;
                }
                default -> throw new IllegalStateException(phase.toString());
            }
        }
    }

    /** The answer to an {@link Ask}. */
    public void wanted(boolean stillWanted, long nowNanos) {
        if (!(pending instanceof Ask)) {
            throw new IllegalStateException("no question pending: " + pending);
        }
        pending = null;
        if (!stillWanted) {
            record(new FenceCoordinator.Step(0, "", phase == Phase.DELAY ? "race delay interrupted"
                    : "cancelled before acting", true, ms(nowNanos), "fencing no longer wanted"));
            done = new Done(new FenceCoordinator.Outcome(plan.node(), false, true, 0, ms(nowNanos), List.copyOf(steps)));
            phase = Phase.DONE;
        }
    }

    /** The result of a {@link Call}: the power read (STATUS), or null; {@code failure} when the call threw. */
    public void called(FenceDevice.Power power, IOException failure, long nowNanos) {
        if (!(pending instanceof Call c)) {
            throw new IllegalStateException("no call pending: " + pending);
        }
        pending = null;
        long took = (nowNanos - callStart) / 1_000_000;
        String d = c.device().describe();
        switch (phase) {
            case PRECHECK -> {
                boolean off = failure == null && (c.op() == Op.CHECK_TARGET || power == FenceDevice.Power.OFF);
                if (!off) {
                    phase = Phase.DELAY; // it may be alive: the race delay stands
                    device = 0;
                    return;
                }
                device++;
            }
            case LEVEL_TARGETS -> {
                if (failure != null) {
                    record(new FenceCoordinator.Step(level + 1, d, "target not proven", false, took,
                            failure.getMessage()));
                    nextLevel();
                    return;
                }
                device++;
            }
            case LEVEL_OFF -> {
                if (device % 2 == 0) {
                    if (failure == null) {
                        record(new FenceCoordinator.Step(level + 1, d, "off accepted", true, took, ""));
                        device += 2;
                        return;
                    }
                    if (!c.device().offIsReliable()) {
                        record(new FenceCoordinator.Step(level + 1, d, "off", false, took, failure.getMessage()
                                + "; this device cannot tell off from a target it does not see, so a reading of"
                                + " off is no proof"));
                        nextLevel();
                        return;
                    }
                    lastStatus = failure.getMessage();
                    device++;
                    pending = new Call(level + 1, c.device(), Op.STATUS); // was it off already?
                    callStart = nowNanos;
                    return;
                }
                if (failure == null && power == FenceDevice.Power.OFF) {
                    record(new FenceCoordinator.Step(level + 1, d, "off refused but power already reads off", true,
                            took, lastStatus));
                    device++;
                    return;
                }
                record(new FenceCoordinator.Step(level + 1, d, "off", false, took, lastStatus));
                nextLevel();
            }
            case LEVEL_VERIFY -> {
                polls++;
                if (failure == null && power == FenceDevice.Power.OFF) {
                    record(new FenceCoordinator.Step(level + 1, d, "power verified off", true,
                            (nowNanos - verifyStart) / 1_000_000, polls + (polls == 1 ? " status read" : " status reads")));
                    device++;
                    polls = 0;
                    verifyStart = nowNanos;
                    return;
                }
                lastStatus = failure != null ? "status failed: " + failure.getMessage() : "power still reads on";
                if (nowNanos + plan.pollInterval().toNanos() > verifyDeadline) {
                    record(new FenceCoordinator.Step(level + 1, d, "verify off", false, (nowNanos - verifyStart) / 1_000_000,
                            lastStatus + " after " + polls + " status reads in " + plan.verifyTimeout().toMillis() + " ms"));
                    nextLevel();
                    return;
                }
                pending = new Wait(plan.pollInterval().toMillis());
            }
            case REBOOT_ON -> {
                // the node is fenced; not coming back is the operator's to look at, not a fence failure
                record(new FenceCoordinator.Step(level + 1, d, failure == null ? "on accepted" : "on", failure == null,
                        took, failure == null ? "" : failure.getMessage()));
                device++;
            }
            default -> throw new IllegalStateException(phase.toString());
        }
    }

    /** The end of a {@link Wait}. */
    public void waited() {
        if (!(pending instanceof Wait)) {
            throw new IllegalStateException("no wait pending: " + pending);
        }
        pending = null;
    }

    private List<FenceDevice> devices() {
        return plan.levels().get(level).devices();
    }

    private void nextLevel() {
        level++;
        device = 0;
        askedBeforeOff = offIssued; // once an off went out there is nothing left to cancel
        phase = Phase.LEVEL_TARGETS;
    }

    private Done finish(long now, boolean fenced) {
        FenceCoordinator.Outcome o = new FenceCoordinator.Outcome(plan.node(), fenced, false, fenced ? level + 1 : 0,
                ms(now), List.copyOf(steps));
        phase = Phase.DONE;
        return new Done(o);
    }

    private void record(FenceCoordinator.Step s) {
        steps.add(s);
        listener.step(s);
    }

    private long ms(long now) {
        return (now - t0) / 1_000_000;
    }
}
