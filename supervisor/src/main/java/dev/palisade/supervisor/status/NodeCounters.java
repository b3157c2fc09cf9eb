package dev.palisade.supervisor.status;

import dev.palisade.drivers.metrics.Histogram;
import dev.palisade.drivers.metrics.LabeledCounter;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.history.HistoryRecord;
import dev.palisade.supervisor.node.NodeStatus;
import dev.palisade.supervisor.node.Recorder;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The metrics' counters since this process started, fed by the node loop as a {@link Recorder} (an increment
 * never locks): transitions by the state entered, fence operations by target, level and result, and fence
 * durations. Every state and every fence result exists from the start at zero, so rates work from the first
 * scrape.
 */
public final class NodeCounters implements Recorder {
    /** Fence duration buckets, seconds: a verified IPMI off takes seconds, a fence_virt round trip less, a race delay more. */
    static final double[] FENCE_BUCKETS = {0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300};

    final LabeledCounter transitions = new LabeledCounter("to");
    final LabeledCounter fenceOperations = new LabeledCounter("node", "level", "result");
    final Map<HistoryRecord.Result, Histogram> fenceDurations = new EnumMap<>(HistoryRecord.Result.class);

    public NodeCounters() {
        for (State s : State.values()) {
            transitions.touch(word(s));
        }
        for (HistoryRecord.Result r : HistoryRecord.Result.values()) {
            fenceDurations.put(r, new Histogram(FENCE_BUCKETS));
        }
    }

    static String word(State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void transition(NodeStatus.Transition t) {
        transitions.increment(word(t.to()));
    }

    /**
     * One operation per level the fence tried: the level that verified the target off counts as {@code fenced}, a
     * level that failed as {@code failed}, the level at which a cancelled fence stopped as {@code cancelled}; a
     * fence cancelled or failed before any level (during its delay, or with no level) counts at level 0.
     */
    @Override
    public void fenced(FenceCoordinator.Outcome o, long atMillis) {
        TreeSet<Integer> levels = new TreeSet<>();
        for (FenceCoordinator.Step s : o.steps()) {
            if (s.level() > 0) {
                levels.add(s.level());
            }
        }
        HistoryRecord.Result result = o.fenced() ? HistoryRecord.Result.FENCED : o.cancelled()
                ? HistoryRecord.Result.CANCELLED : HistoryRecord.Result.FAILED;
        if (levels.isEmpty()) {
            fenceOperations.increment(o.node(), "0", result.word());
        }
        for (int l : levels) {
            String r = o.fenced() && l == o.level() ? "fenced" : o.cancelled() && l == levels.last() ? "cancelled"
                    : "failed";
            fenceOperations.increment(o.node(), Integer.toString(l), r);
        }
        fenceDurations.get(result).observe(o.millis() / 1000.0);
    }
}
