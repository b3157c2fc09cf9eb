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
    private final boolean starting;
    private int index;
    private boolean rollingBack;
    private boolean finished;
    private Step pending;

    private GroupRun(int size, boolean starting) {
        this.size = size;
        this.starting = starting;
        this.index = starting ? 0 : size - 1;
        if (size == 0) {
            finished = true;
        }
    }

    public static GroupRun start(int size) {
        return new GroupRun(size, true);
    }

    public static GroupRun stop(int size) {
        return new GroupRun(size, false);
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
            } else {
                rollingBack = true; // stop what started, right to left, beginning with the one that failed
            }
            return;
        }
        if (!ok) {
            finished = true;
            return;
        }
        if (--index < 0) {
            finished = true;
        }
    }

    public boolean finished() {
        return finished;
    }

    /** Started everything (start) or stopped everything (stop); a rolled-back start is not a success. */
    public boolean succeeded() {
        return finished && !rollingBack && (starting ? index == size : index < 0);
    }

    /** A start that failed and then stopped everything it had started: the node holds nothing. */
    public boolean rolledBackCleanly() {
        return finished && rollingBack && index < 0;
    }
}
