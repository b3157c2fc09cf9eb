package dev.palisade.fence;

import dev.palisade.fence.transport.NettyLogs;
import org.tinylog.configuration.Configuration;

/**
 * Sets the log level of a command before its first log line (tinylog freezes its configuration then), and has
 * Netty's own lines follow that level ({@link NettyLogs}).
 */
public final class Logging {
    private Logging() {
    }

    /** fence_virtd's {@code -d N}: 0 info, 1 and above debug, 3 and above trace. */
    public static void configure(int debugLevel) {
        if (Configuration.isFrozen()) {
            return;
        }
        String level = debugLevel >= 3 ? "trace" : debugLevel >= 1 ? "debug" : "info";
        Configuration.set("level", level);
        NettyLogs.installAt(level);
    }

    /** For commands that print their own report: log only at {@code level} and above (warn, error, off). */
    public static void only(String level) {
        if (!Configuration.isFrozen()) {
            Configuration.set("level", level);
            NettyLogs.installAt(level);
        }
    }
}
