package dev.palisade.supervisor.node;

import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.failover.FailoverMachine.Event;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import java.time.Duration;
import org.tinylog.Logger;

/**
 * What the failover machine asks of the world, done for the node loop: fencing the peer through the
 * {@link FenceWorker} (with the race delay only when this node does not hold the group: the node running it
 * fences at once, like Pacemaker's priority-fencing-delay), the group through the {@link GroupRunner}, the retry
 * timer, and the transition record. Every outcome comes back to the machine as an event on the loop.
 */
final class FailoverEffects implements FailoverMachine.Effects {
    private final NodeLoop node;

    FailoverEffects(NodeLoop node) {
        this.node = node;
    }

    @Override
    public void fencePeer() {
        FenceWorker fence = node.fenceWorker();
        if (fence == null) {
            Logger.error("fence {}: {}", node.settings().peer(), node.peerPlanError());
            node.scheduler().post(() -> node.handle(Event.FENCE_FAILED));
            return;
        }
        FailoverMachine m = node.machine();
        Duration delay = node.peerPlan().delay().plus(m.holding() ? Duration.ZERO : node.settings().priorityDelay());
        fence.fence(delay, m::fenceStillWanted, o -> {
            node.fenced(o);
            node.handle(o.fenced() ? Event.FENCE_OK : o.cancelled() ? Event.FENCE_CANCELLED : Event.FENCE_FAILED);
        });
    }

    @Override
    public void startResources() {
        node.runner().start(this::started);
    }

    @Override
    public void restartResources(int from) {
        node.runner().restart(from, this::started);
    }

    private void started(GroupRunner.Outcome o) {
        switch (o.result()) {
            case OK -> node.handle(Event.START_OK);
            case REFUSED -> node.refused(o.detail());
            case STOP_FAILED -> node.handle(Event.STOP_FAILED);
            default -> node.handle(Event.START_FAILED);
        }
    }

    @Override
    public void stopResources() {
        node.runner().stop(o -> node.handle(o.result() == GroupRunner.Result.OK ? Event.STOP_OK : Event.STOP_FAILED));
    }

    @Override
    public void retryLater() {
        node.scheduler().schedule(node.settings().fenceRetry().toMillis(), () -> node.handle(Event.RETRY));
    }

    @Override
    public void transition(State from, State to, String reason) {
        node.transitioned(new NodeStatus.Transition(node.scheduler().wallMillis(), from, to, reason));
        if (to == State.FAILED) {
            Logger.error("failover: {} -> {}: {}", from, to, reason);
        } else {
            Logger.info("failover: {} -> {}: {}", from, to, reason);
        }
    }

    /** Summary of the last fence, for status. */
    static String summary(FenceCoordinator.Outcome o) {
        return o == null ? null : o.summary();
    }
}
