package dev.palisade.supervisor.node;

import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FenceDevice;
import dev.palisade.supervisor.fencing.FenceRun;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Fences the peer for the node loop: steps a {@link FenceRun}, device calls on the fence {@link Lane}, waits on
 * the loop's timers, the "still wanted?" questions and the outcome on the loop. One fence of the peer at a time,
 * whoever asks (the failover machine, DRBD's fence-peer handler): a request made while a fence runs waits for it
 * and shares its outcome when that outcome fenced the peer, and runs its own fence otherwise.
 */
public final class FenceWorker {
    /** One request: its delay, whether it is still wanted (asked on the loop), and who hears the outcome. */
    private record Request(Duration delay, BooleanSupplier stillWanted, Consumer<FenceCoordinator.Outcome> done) {
    }

    private final Scheduler loop;
    private final Lane lane;
    private final FenceCoordinator.Plan plan;
    private final Deque<Request> waiting = new ArrayDeque<>();
    private boolean running;
    private FenceCoordinator.Outcome last;

    public FenceWorker(Scheduler loop, Lane lane, FenceCoordinator.Plan plan) {
        this.loop = loop;
        this.lane = lane;
        this.plan = plan;
    }

    /** The last outcome (on the loop), or null. */
    public FenceCoordinator.Outcome last() {
        return last;
    }

    /** Whether a fence is running now (on the loop). */
    public boolean running() {
        return running;
    }

    /** Fences the peer with {@code delay}; {@code done} hears the outcome on the loop. */
    public void fence(Duration delay, BooleanSupplier stillWanted, Consumer<FenceCoordinator.Outcome> done) {
        Request r = new Request(delay, stillWanted, done);
        if (running) {
            waiting.addLast(r);
            return;
        }
        begin(r);
    }

    private void begin(Request r) {
        running = true;
        FenceRun run = new FenceRun(plan, FenceCoordinator.Action.OFF, r.delay(), loop.nanos(),
                s -> FenceCoordinator.log(plan.node(), s));
        step(run, r);
    }

    private void step(FenceRun run, Request r) {
        FenceRun.Step step = run.next(loop.nanos());
        if (step instanceof FenceRun.Done d) {
            finished(d.outcome(), r);
        } else if (step instanceof FenceRun.Wait w) {
            loop.schedule(w.millis(), () -> {
                run.waited();
                step(run, r);
            });
        } else if (step instanceof FenceRun.Ask) {
            run.wanted(r.stillWanted().getAsBoolean(), loop.nanos());
            step(run, r);
        } else {
            FenceRun.Call c = (FenceRun.Call) step;
            lane.call(() -> FenceCoordinator.call(c), (FenceDevice.Power p, Exception failure) -> {
                run.called(p, failure == null ? null : failure instanceof IOException io ? io
                        : new IOException(failure.toString(), failure), loop.nanos());
                step(run, r);
            });
        }
    }

    private void finished(FenceCoordinator.Outcome o, Request r) {
        FenceCoordinator.logOutcome(o);
        last = o;
        running = false;
        r.done().accept(o);
        Request next;
        while ((next = waiting.pollFirst()) != null) {
            if (o.fenced()) {
                next.done().accept(o); // the same fence answers everyone who waited for it
            } else {
                begin(next);
                return;
            }
        }
    }
}
