package dev.palisade.supervisor.node;

import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.failover.FailoverMachine;
import java.time.Duration;

/**
 * What the node loop needs of the configuration (the simulation builds it without a file).
 * {@code fenceMonitorInterval}: how often the fence devices are read ({@link FenceDeviceMonitor}; zero: never).
 */
public record NodeSettings(String node, String peer, String groupHome, boolean autoFailback,
                           FailoverMachine.FailurePolicy failurePolicy, Duration monitorInterval,
                           Duration priorityDelay, Duration fenceRetry, Duration fenceMonitorInterval) {
    public boolean home() {
        return groupHome != null && groupHome.equalsIgnoreCase(node);
    }

    public static NodeSettings of(SupervisorConfig c) {
        return new NodeSettings(c.node(), c.peer(), c.groups().isEmpty() ? null : c.groups().get(0).home(),
                c.autoFailback(), new FailoverMachine.FailurePolicy(c.migrationThreshold(), c.failureTimeout().toMillis()),
                c.monitorInterval(), c.fencing().priorityDelay(), Duration.ofSeconds(2),
                c.fencing().monitorInterval());
    }
}
