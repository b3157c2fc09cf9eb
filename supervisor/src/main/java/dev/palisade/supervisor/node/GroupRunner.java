package dev.palisade.supervisor.node;

import dev.palisade.supervisor.resources.GroupRun;
import dev.palisade.supervisor.resources.Resource;
import dev.palisade.supervisor.resources.StartRefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Runs the resource group's starts, stops, restarts and monitors on the resource {@link Lane} (one call at a
 * time, so a monitor never races a stop), stepping a {@link GroupRun}; results come back on the node loop. It
 * keeps what each resource last reported, for status.
 */
public final class GroupRunner {
    /** How a run ended. */
    public enum Result { OK, FAILED, REFUSED, STOP_FAILED }

    /** A run's result with what refused or failed. */
    public record Outcome(Result result, String detail) {
    }

    /** What one resource last reported, and since when (loop time, ms). */
    public record Reported(String name, Resource.Status status, long sinceMillis) {
    }

    private final List<Resource> resources;
    private final Lane lane;
    private final Scheduler loop;
    private final Reported[] reported;
    private boolean monitorQueued;

    public GroupRunner(List<Resource> resources, Lane lane, Scheduler loop) {
        this.resources = List.copyOf(resources);
        this.lane = lane;
        this.loop = loop;
        this.reported = new Reported[resources.size()];
        for (int i = 0; i < reported.length; i++) {
            reported[i] = new Reported(resources.get(i).name(), Resource.Status.STOPPED, 0);
        }
    }

    public List<Resource> resources() {
        return resources;
    }

    public int size() {
        return resources.size();
    }

    /** What each resource last reported (on the loop). */
    public List<Reported> reported() {
        return List.of(reported);
    }

    public void start(Consumer<Outcome> done) {
        run(GroupRun.start(resources.size()), done);
    }

    public void stop(Consumer<Outcome> done) {
        run(GroupRun.stop(resources.size()), done);
    }

    /** Stops from the last resource down to {@code from}, then starts from it again. */
    public void restart(int from, Consumer<Outcome> done) {
        run(GroupRun.restart(resources.size(), from), done);
    }

    private void run(GroupRun run, Consumer<Outcome> done) {
        step(run, new String[1], done);
    }

    private void step(GroupRun run, String[] refused, Consumer<Outcome> done) {
        GroupRun.Step step = run.next();
        if (step == null) {
            Result r = run.succeeded() ? Result.OK : run.stopFailed() ? Result.STOP_FAILED
                    : refused[0] != null ? Result.REFUSED : Result.FAILED;
            done.accept(new Outcome(r, refused[0]));
            return;
        }
        Resource r = resources.get(step.index());
        long t0 = loop.nanos();
        lane.call(() -> {
            if (step.start()) {
                r.start();
            } else {
                r.stop();
            }
            return null;
        }, (v, failure) -> {
            boolean ok = failure == null;
            long ms = (loop.nanos() - t0) / 1_000_000;
            if (ok) {
                Logger.info("resource {} {} in {} ms", r.name(), step.start() ? "started and ready" : "stopped", ms);
            } else if (failure instanceof StartRefusedException) {
                refused[0] = failure.getMessage();
                Logger.error("resource {}: start refused: {}", r.name(), failure.getMessage());
            } else {
                Logger.error("resource {}: {} failed: {}", r.name(), step.start() ? "start" : "stop", failure.getMessage());
            }
            // a stop that failed leaves the resource running; a start that failed leaves it failed
            report(step.index(), ok == step.start() ? Resource.Status.RUNNING
                    : ok ? Resource.Status.STOPPED : Resource.Status.FAILED);
            run.done(ok);
            step(run, refused, done);
        });
    }

    /**
     * Monitors every resource in order; a monitor that throws is UNKNOWN (it may be running). Skipped (done is
     * not called) while the last pass is still queued behind a slow call.
     */
    public void monitor(Consumer<List<Resource.Status>> done) {
        if (monitorQueued) {
            return;
        }
        monitorQueued = true;
        lane.call(() -> {
            List<Resource.Status> out = new ArrayList<>();
            for (Resource r : resources) {
                try {
                    out.add(r.monitor());
                } catch (Exception e) {
                    Logger.warn("monitor {}: cannot tell ({}); it may be running", r.name(), e.getMessage());
                    out.add(Resource.Status.UNKNOWN);
                }
            }
            return out;
        }, (statuses, failure) -> {
            monitorQueued = false;
            if (statuses == null) {
                return; // the lane is closing
            }
            for (int i = 0; i < statuses.size(); i++) {
                if (reported[i].status() != statuses.get(i)) {
                    Logger.info("monitor: {} {} -> {}", reported[i].name(), reported[i].status(), statuses.get(i));
                }
                report(i, statuses.get(i));
            }
            done.accept(statuses);
        });
    }

    /** What keeps the group from starting now (the first resource's reason), or null; on the lane, in order. */
    public void blocker(Consumer<String> done) {
        lane.call(() -> {
            for (Resource r : resources) {
                String why = r.startBlocker();
                if (why != null) {
                    return why;
                }
            }
            return "";
        }, (why, failure) -> done.accept(failure != null ? "cannot tell: " + failure.getMessage()
                : why == null || why.isEmpty() ? null : why));
    }

    private void report(int i, Resource.Status s) {
        if (reported[i].status() != s) {
            reported[i] = new Reported(reported[i].name(), s, loop.nanos() / 1_000_000);
        }
    }
}
