package dev.palisade.supervisor.resources;

/**
 * The order of one start or stop of a resource group, with no I/O: start left to right, each only after
 * the one before it is ready; a start that fails rolls back by stopping what was started, right to left;
 * stop right to left, and the first stop that fails ends the run as failed (what is still running is
 * not reported as stopped; the node must be fenced). The runner asks {@link #next()}, acts, reports
 * {@link #done(boolean)}, until {@link #finished()}.
 */
public final class GroupRun {
    /** One thing to do: start or stop resource {@code index}. */
    public record Step(int index, boolean start) {
    }

    private final int size;
    private boolean starting;
    /** A restart in place: stop down to {@code from}, then start from it; -1 otherwise. */
    private final int from;
    private int index;
    private boolean rollingBack;
    private boolean finished;
    private boolean stopFailed;
    private Step pending;

    private GroupRun(int size, boolean starting, int from) {
        this.size = size;
        this.starting = starting;
        this.from = from;
        this.index = starting ? 0 : size - 1;
        if (size == 0 || from >= size) {
            finished = true;
        }
    }

    public static GroupRun start(int size) {
        return new GroupRun(size, true, -1);
    }

    public static GroupRun stop(int size) {
        return new GroupRun(size, false, -1);
    }

    /**
     * A restart in place after resource {@code from} failed: stop right to left down to it, then start it and
     * those after it, left to right. Nothing is rolled back: a failure ends the run (the caller stops the group).
     */
    public static GroupRun restart(int size, int from) {
        if (from < 0 || from >= size) {
            throw new IllegalArgumentException("restart from " + from + " in a group of " + size);
        }
        return new GroupRun(size, false, from);
    }

    /** The next step, or null when the run is finished. Asking twice without {@link #done} is an error. */
    public Step next() {
        if (finished) {
            return null;
        }
        if (pending != null) {
            throw new IllegalStateException("step " + pending + " has not reported");
        }
        pending = new Step(index, starting && !rollingBack);
        return pending;
    }

    public void done(boolean ok) {
        if (pending == null) {
            throw new IllegalStateException("no step in progress");
        }
        Step s = pending;
        pending = null;
        if (s.start()) {
            if (ok) {
                if (++index == size) {
                    finished = true;
                }
            } else if (from >= 0) {
                finished = true; // a restart in place does not roll back: the caller stops the whole group
            } else {
                rollingBack = true; // stop what started, right to left, beginning with the one that failed
            }
            return;
        }
        if (!ok) {
            finished = true;
            stopFailed = true;
            return;
        }
        if (--index < (from >= 0 ? from : 0)) {
            if (from >= 0) {
                starting = true; // stopped down to the failed one: start it and the rest again
                index = from;
            } else {
                finished = true;
            }
        }
    }

    public boolean finished() {
        return finished;
    }

    /** Started everything (start, restart) or stopped everything (stop); a rolled-back start is not a success. */
    public boolean succeeded() {
        return finished && !rollingBack && !stopFailed && (starting ? index == size : index < 0);
    }

    /** A stop in this run did not stop: something is still running that the caller believed stopped. */
    public boolean stopFailed() {
        return stopFailed;
    }

    /** A start that failed and then stopped everything it had started: the node holds nothing. */
    public boolean rolledBackCleanly() {
        return finished && rollingBack && index < 0;
    }
}
