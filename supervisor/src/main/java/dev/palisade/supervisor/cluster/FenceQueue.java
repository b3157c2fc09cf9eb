package dev.palisade.supervisor.cluster;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The fences a cluster node owes, one at a time: members lost while they held the VIP (retried until fenced, dropped
 * once they come back holding nothing) and an operator's force-bootstrap (answered once, never retried). No I/O and
 * no clock: the machine says when it is.
 */
final class FenceQueue {
    /** One node to fence, and for whom: a lost VIP holder ({@code answer} null) or an operator. */
    record Job(int node, String reason, Consumer<String> answer, long notBefore) {
    }

    private final Deque<Job> waiting = new ArrayDeque<>();
    private Job running;

    /** Queues the fence of a lost holder unless one for it is queued or under way. */
    void lostHolder(int node, String reason) {
        if ((running == null || running.node() != node) && waiting.stream().noneMatch(j -> j.node() == node)) {
            waiting.add(new Job(node, reason, null, 0));
        }
    }

    void operator(int node, String reason, Consumer<String> answer) {
        waiting.add(new Job(node, reason, answer, 0));
    }

    /** The next fence to start now (it is then under way), or null; lost holders no longer lost are dropped first. */
    Job next(long now, Set<Integer> lostHolders) {
        waiting.removeIf(j -> j.answer() == null && !lostHolders.contains(j.node()));
        if (running != null || waiting.isEmpty() || waiting.peek().notBefore() > now) {
            return null;
        }
        running = waiting.poll();
        return running;
    }

    /** Whether a fence was started and has not answered yet. */
    boolean underWay() {
        return running != null;
    }

    /** The fence under way for {@code node} ended: it is returned (null when none was under way for it). */
    Job finished(int node) {
        Job j = running;
        running = null;
        return j != null && j.node() == node ? j : null;
    }

    /** Tries a lost holder's fence again at {@code at}. */
    void retry(Job j, long at) {
        waiting.addFirst(new Job(j.node(), j.reason(), null, at));
    }
}
