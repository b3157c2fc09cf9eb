package dev.palisade.fence.listener;

import dev.palisade.fence.metrics.GatewayMetrics;
import dev.palisade.fence.runner.FenceOperation;
import dev.palisade.fence.runner.RequestRunner;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the daemon lends every listener: the event loops (network I/O only), the one request runner (every
 * hypervisor call, under its deadline), the operation it runs, and a housekeeping thread for work that may
 * block but is no request (following the domains' sockets, re-opening a listener), and the counters every
 * listener adds to ({@link GatewayMetrics}: lock-free).
 */
public record GatewayRuntime(EventLoopGroup loops, RequestRunner runner, FenceOperation operation,
                             ScheduledExecutorService housekeeping, GatewayMetrics metrics) {
}
