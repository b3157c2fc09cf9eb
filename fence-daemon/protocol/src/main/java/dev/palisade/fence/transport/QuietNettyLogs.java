package dev.palisade.fence.transport;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import org.tinylog.Logger;

/**
 * Netty's own logging for a one-shot command (fence_palisade): its trace, debug and info lines are dropped without
 * starting a logging framework, and its warnings and errors still reach tinylog, which then starts. Netty would
 * otherwise find tinylog through SLF4J and start it for the debug lines of its own start-up, which tinylog then
 * drops: about a tenth of a second of a command that Pacemaker runs for every monitor.
 */
final class QuietNettyLogs extends InternalLoggerFactory {
    static void install() {
        InternalLoggerFactory.setDefaultFactory(new QuietNettyLogs());
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Quiet(name);
    }

    private static final class Quiet extends AbstractInternalLogger {
        Quiet(String name) {
            super(name);
        }

        // ---- dropped
        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public void trace(String msg) {
        }

        @Override
        public void trace(String format, Object arg) {
        }

        @Override
        public void trace(String format, Object argA, Object argB) {
        }

        @Override
        public void trace(String format, Object... arguments) {
        }

        @Override
        public void trace(String msg, Throwable t) {
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public void debug(String msg) {
        }

        @Override
        public void debug(String format, Object arg) {
        }

        @Override
        public void debug(String format, Object argA, Object argB) {
        }

        @Override
        public void debug(String format, Object... arguments) {
        }

        @Override
        public void debug(String msg, Throwable t) {
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public void info(String msg) {
        }

        @Override
        public void info(String format, Object arg) {
        }

        @Override
        public void info(String format, Object argA, Object argB) {
        }

        @Override
        public void info(String format, Object... arguments) {
        }

        @Override
        public void info(String msg, Throwable t) {
        }

        // ---- to tinylog (same {} placeholders)
        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public void warn(String msg) {
            Logger.warn("netty: {}", msg);
        }

        @Override
        public void warn(String format, Object arg) {
            Logger.warn("netty: " + format, arg);
        }

        @Override
        public void warn(String format, Object... arguments) {
            Logger.warn("netty: " + format, arguments);
        }

        @Override
        public void warn(String format, Object argA, Object argB) {
            Logger.warn("netty: " + format, argA, argB);
        }

        @Override
        public void warn(String msg, Throwable t) {
            Logger.warn(t, "netty: {}", msg);
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        public void error(String msg) {
            Logger.error("netty: {}", msg);
        }

        @Override
        public void error(String format, Object arg) {
            Logger.error("netty: " + format, arg);
        }

        @Override
        public void error(String format, Object argA, Object argB) {
            Logger.error("netty: " + format, argA, argB);
        }

        @Override
        public void error(String format, Object... arguments) {
            Logger.error("netty: " + format, arguments);
        }

        @Override
        public void error(String msg, Throwable t) {
            Logger.error(t, "netty: {}", msg);
        }
    }
}
