package dev.palisade.supervisor.node;

import dev.palisade.supervisor.resources.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Before a node joins its peer, nothing of the group may still run here (a supervisor restarted while the machine
 * kept running, a resource started by hand): the peer could otherwise start it on the same data. Each resource is
 * monitored; anything not verified STOPPED (running, failed, or a monitor that cannot tell: unknown may be
 * running) makes the whole group stop, right to left, and a last monitor pass must then find every resource
 * STOPPED. If not, the node does not join: the peer, no longer hearing it, fences it, which stops it for good.
 */
final class StartupCheck {
    private final GroupRunner runner;

    StartupCheck(GroupRunner runner) {
        this.runner = runner;
    }

    /** {@code done} hears null when the group is verified stopped, or why the node must not join. */
    void run(Consumer<String> done) {
        runner.monitor(first -> {
            List<String> found = notStopped(first);
            if (found.isEmpty()) {
                done.accept(null);
                return;
            }
            Logger.warn("start-up: found {} here; stopping the group before joining the peer", found);
            runner.stop(stopped -> runner.monitor(last -> {
                List<String> left = notStopped(last);
                if (stopped.result() == GroupRunner.Result.OK && left.isEmpty()) {
                    Logger.info("start-up: the group is verified stopped");
                    done.accept(null);
                } else {
                    done.accept("start-up: " + found + " found here and the group could not be verified stopped"
                            + (left.isEmpty() ? "" : " (" + left + ")") + "; not joining (the peer will fence this node)");
                }
            }));
        });
    }

    private List<String> notStopped(List<Resource.Status> statuses) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < statuses.size(); i++) {
            if (statuses.get(i) != Resource.Status.STOPPED) {
                out.add(runner.resources().get(i).name() + " (" + statuses.get(i) + ")");
            }
        }
        return out;
    }
}
