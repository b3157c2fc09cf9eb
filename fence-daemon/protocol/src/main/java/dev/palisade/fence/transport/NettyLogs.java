package dev.palisade.fence.transport;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogLevel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import org.tinylog.Logger;

/**
 * Netty's own log lines, at the process's level: lines below it are dropped by a flag, lines at or above it go
 * to tinylog with a "netty: " prefix. Installed before Netty's first class logs (its loggers are static).
 *
 * <p>Without it Netty finds tinylog through SLF4J, and two costs follow. A one-shot command (fence_palisade)
 * starts a logging framework for the debug lines of Netty's start-up, which are then dropped: about a tenth of a
 * second of a command Pacemaker runs for every monitor. And a daemon pays a stack walk each time Netty asks
 * whether a level is on: tinylog's SLF4J binding finds the caller's class for every such question, and Netty's
 * leak detector asks "is error on?" for one buffer in 128 (about 1% of the gateway's CPU under load).
 */
public final class NettyLogs extends InternalLoggerFactory {
    private final InternalLogLevel minimum;

    NettyLogs(InternalLogLevel minimum) {
        this.minimum = minimum;
    }

    /** A one-shot command: warnings and errors only, and no logging framework starts for anything else. */
    static void installQuiet() {
        InternalLoggerFactory.setDefaultFactory(new NettyLogs(InternalLogLevel.WARN));
    }

    /**
     * A command whose log level is set ({@code trace}, {@code debug}, {@code info}, {@code warn}, {@code error}
     * or {@code off}, tinylog's names): Netty's lines follow it.
     */
    public static void installAt(String tinylogLevel) {
        InternalLoggerFactory.setDefaultFactory(new NettyLogs(switch (tinylogLevel) {
            case "trace" -> InternalLogLevel.TRACE;
            case "debug" -> InternalLogLevel.DEBUG;
            case "info" -> InternalLogLevel.INFO;
            case "warn", "warning" -> InternalLogLevel.WARN;
            default -> InternalLogLevel.ERROR; // "error", and "off": tinylog itself drops what comes then
        }));
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Forward(name, minimum);
    }

    private static final class Forward extends AbstractInternalLogger {
        private final boolean trace;
        private final boolean debug;
        private final boolean info;
        private final boolean warn;

        Forward(String name, InternalLogLevel minimum) {
            super(name);
            this.trace = minimum == InternalLogLevel.TRACE;
            this.debug = minimum.ordinal() <= InternalLogLevel.DEBUG.ordinal();
            this.info = minimum.ordinal() <= InternalLogLevel.INFO.ordinal();
            this.warn = minimum.ordinal() <= InternalLogLevel.WARN.ordinal();
        }

        @Override
        public boolean isTraceEnabled() {
            return trace;
        }

        @Override
        public void trace(String msg) {
            if (trace) {
                Logger.trace("netty: {}", msg);
            }
        }

        @Override
        public void trace(String format, Object arg) {
            if (trace) {
                Logger.trace("netty: " + format, arg);
            }
        }

        @Override
        public void trace(String format, Object argA, Object argB) {
            if (trace) {
                Logger.trace("netty: " + format, argA, argB);
            }
        }

        @Override
        public void trace(String format, Object... arguments) {
            if (trace) {
                Logger.trace("netty: " + format, arguments);
            }
        }

        @Override
        public void trace(String msg, Throwable t) {
            if (trace) {
                Logger.trace(t, "netty: {}", msg);
            }
        }

        @Override
        public boolean isDebugEnabled() {
            return debug;
        }

        @Override
        public void debug(String msg) {
            if (debug) {
                Logger.debug("netty: {}", msg);
            }
        }

        @Override
        public void debug(String format, Object arg) {
            if (debug) {
                Logger.debug("netty: " + format, arg);
            }
        }

        @Override
        public void debug(String format, Object argA, Object argB) {
            if (debug) {
                Logger.debug("netty: " + format, argA, argB);
            }
        }

        @Override
        public void debug(String format, Object... arguments) {
            if (debug) {
                Logger.debug("netty: " + format, arguments);
            }
        }

        @Override
        public void debug(String msg, Throwable t) {
            if (debug) {
                Logger.debug(t, "netty: {}", msg);
            }
        }

        @Override
        public boolean isInfoEnabled() {
            return info;
        }

        @Override
        public void info(String msg) {
            if (info) {
                Logger.info("netty: {}", msg);
            }
        }

        @Override
        public void info(String format, Object arg) {
            if (info) {
                Logger.info("netty: " + format, arg);
            }
        }

        @Override
        public void info(String format, Object argA, Object argB) {
            if (info) {
                Logger.info("netty: " + format, argA, argB);
            }
        }

        @Override
        public void info(String format, Object... arguments) {
            if (info) {
                Logger.info("netty: " + format, arguments);
            }
        }

        @Override
        public void info(String msg, Throwable t) {
            if (info) {
                Logger.info(t, "netty: {}", msg);
            }
        }

        @Override
        public boolean isWarnEnabled() {
            return warn;
        }

        @Override
        public void warn(String msg) {
            if (warn) {
                Logger.warn("netty: {}", msg);
            }
        }

        @Override
        public void warn(String format, Object arg) {
            if (warn) {
                Logger.warn("netty: " + format, arg);
            }
        }

        @Override
        public void warn(String format, Object... arguments) {
            if (warn) {
                Logger.warn("netty: " + format, arguments);
            }
        }

        @Override
        public void warn(String format, Object argA, Object argB) {
            if (warn) {
                Logger.warn("netty: " + format, argA, argB);
            }
        }

        @Override
        public void warn(String msg, Throwable t) {
            if (warn) {
                Logger.warn(t, "netty: {}", msg);
            }
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
