package dev.palisade.supervisor.history;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import java.util.List;

/** One entry of the persisted history: a transition of the failover machine or a fence of the peer. */
public sealed interface HistoryRecord permits HistoryRecord.Transition, HistoryRecord.Fence {
    /** Numbered in order across restarts (the next number follows the newest one on disk). */
    long seq();

    /** Wall-clock time, ms since the epoch. */
    long atMillis();

    /** A transition, with the supervisor's incarnation (its boot counter) at the time and the reason. */
    record Transition(long seq, long atMillis, long incarnation, State from, State to, String reason)
            implements HistoryRecord {
    }

    /** How one fence ended. */
    enum Result {
        FENCED, FAILED, CANCELLED;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One fence of {@code node}: its result, the level that fenced (or the last one tried; 0 when none was),
     * how long it took, the devices of the levels it tried, and what decided it (the failing step, or the summary).
     */
    record Fence(long seq, long atMillis, String node, Result result, int level, long millis, List<String> devices,
                 String detail) implements HistoryRecord {
        public Fence {
            devices = List.copyOf(devices);
        }
    }
}
