package dev.palisade.supervisor.fencing;

import dev.palisade.drivers.agents.FenceAgent;
import dev.palisade.drivers.platform.ProcessRun;
import java.io.IOException;

/**
 * Any fence-agents program (fence_ipmilan, fence_apc, fence_xvm, ...) through its stdin interface: exit 0 is
 * success; for status, 0 is on and 2 is off. The agent's own output goes into the error on failure.
 */
public final class AgentFenceDevice implements FenceDevice {
    private final FenceAgent agent;

    public AgentFenceDevice(FenceAgent agent) {
        this.agent = agent;
    }

    @Override
    public String describe() {
        return "agent " + agent.program().getFileName();
    }

    /**
     * With a {@code plug} (or {@code port}) and an agent that can list its outlets or domains ({@code action=list},
     * lines "plug,alias"), the plug must be listed. An agent that cannot list proves its target only by accepting
     * "off" and then reading it off; its status is never taken as proof on its own ({@link #offIsReliable}).
     */
    @Override
    public void checkTarget() throws IOException {
        String plug = agent.parameter("plug") != null ? agent.parameter("plug") : agent.parameter("port");
        if (plug == null) {
            return;
        }
        ProcessRun.Result r = agent.run("list");
        if (r.exit() != 0) {
            return; // this agent has no list: nothing more to prove here
        }
        for (String line : r.output().split("\n")) {
            int comma = line.indexOf(',');
            String name = (comma < 0 ? line : line.substring(0, comma)).strip();
            String alias = comma < 0 ? "" : line.substring(comma + 1).strip();
            if (name.equals(plug) || alias.equals(plug)) {
                return;
            }
        }
        throw new IOException(agent.program().getFileName() + " does not list plug '" + plug + "': a typo, or a"
                + " renamed or moved target; fix plug in the fencing block");
    }

    @Override
    public Power status() throws IOException {
        ProcessRun.Result r = agent.run("status");
        return switch (r.exit()) {
            case 0 -> Power.ON;
            case 2 -> Power.OFF;
            default -> throw failure("status", r);
        };
    }

    @Override
    public void off() throws IOException {
        act("off");
    }

    @Override
    public void on() throws IOException {
        act("on");
    }

    private void act(String action) throws IOException {
        ProcessRun.Result r = agent.run(action);
        if (r.exit() != 0) {
            throw failure(action, r);
        }
    }

    private IOException failure(String action, ProcessRun.Result r) {
        String out = r.output().isEmpty() ? "" : ": " + r.output().lines().reduce((a, b) -> b).orElse("");
        return new IOException(agent.program().getFileName() + " action=" + action
                + (r.timedOut() ? " killed at its deadline after " + r.millis() + " ms" : " exited " + r.exit()) + out);
    }
}
