package dev.palisade.drivers.platform;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * Tells the service manager how the service is doing: the sd_notify(3) protocol, one datagram of
 * newline-separated {@code KEY=VALUE} assignments to the Unix socket named by {@code $NOTIFY_SOCKET}.
 *
 * <p>Every method is cheap, never blocks (a non-blocking socket, {@code MSG_DONTWAIT}) and never throws into
 * the caller: a failed send is logged once per kind of failure and otherwise ignored, because a service must
 * not stop serving because its manager went away. Without {@code $NOTIFY_SOCKET} (started by hand, by a test,
 * or by a unit that is not {@code Type=notify}) every method does nothing.
 *
 * <p>The launcher ({@code /usr/sbin/palisade}) moves {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and
 * {@code WATCHDOG_PID} out of the environment into the system properties {@code palisade.notify.socket},
 * {@code palisade.watchdog.usec} and {@code palisade.watchdog.pid} before it starts Java, so that the programs
 * the supervisor runs (MariaDB, which speaks sd_notify itself, resource and fence agents) never talk to
 * Palisade's service manager in its name. {@link #fromEnvironment()} reads the properties first, then the
 * environment.
 *
 * <p>How the supervisor and the gateway use it:
 * <pre>
 *   ServiceNotifier notifier = ServiceNotifier.fromEnvironment();   // once, at start
 *   notifier.ready("STANDBY, peer ACTIVE, 2/2 links");               // when really ready (READY=1 + STATUS=)
 *   notifier.status("ACTIVE, peer STANDBY, 2/2 links");              // on every change (repeats are not sent)
 *   notifier.watchdog();                                             // from the node loop, every turn
 *   notifier.extendTimeout(Duration.ofSeconds(90));                  // during a long start or stop
 *   notifier.stopping("stopping: releasing the group");              // first thing on shutdown
 * </pre>
 * {@link #watchdog()} may be called as often as the loop turns: it sends {@code WATCHDOG=1} at most every
 * quarter of {@code WatchdogSec=}; the loop must turn at least every {@link #keepaliveEvery()} (half of it,
 * as sd_watchdog_enabled(3) advises), so a loop that hangs stops the keepalives and systemd restarts the
 * service.
 */
public final class ServiceNotifier implements AutoCloseable {
    /** The notifier of a process with no service manager to tell: every method does nothing. */
    public static final ServiceNotifier NONE = new ServiceNotifier(null, null, System::nanoTime);

    /** systemd reads at most this much of one notification (PIPE_BUF); a status line is cut well below. */
    static final int MAX_STATUS = 1000;

    private final NotifyAddress address;
    private final Duration watchdogTimeout;
    private final LongSupplier nanoClock;
    private final long minPingGapNanos;
    private final Object lock = new Object();
    private int fd = -1;
    private boolean closed;
    private String lastStatus;
    private long lastPingNanos;
    private boolean pinged;
    private int lastErrno;

    ServiceNotifier(NotifyAddress address, Duration watchdogTimeout, LongSupplier nanoClock) {
        this.address = address;
        this.watchdogTimeout = watchdogTimeout;
        this.nanoClock = nanoClock;
        this.minPingGapNanos = watchdogTimeout == null ? 0 : watchdogTimeout.toNanos() / 4;
    }

    /** The notifier this process was started with (see the class comment for where it looks). */
    public static ServiceNotifier fromEnvironment() {
        return create(setting("palisade.notify.socket", "NOTIFY_SOCKET"),
                setting("palisade.watchdog.usec", "WATCHDOG_USEC"),
                setting("palisade.watchdog.pid", "WATCHDOG_PID"), ProcessHandle.current().pid(), System::nanoTime);
    }

    /**
     * A notifier from the three variables' values (any may be null); {@code pid} is this process's, compared
     * with {@code WATCHDOG_PID}. A malformed {@code NOTIFY_SOCKET} is logged and gives {@link #NONE}.
     */
    public static ServiceNotifier create(String notifySocket, String watchdogUsec, String watchdogPid, long pid,
            LongSupplier nanoClock) {
        if (notifySocket == null || notifySocket.isEmpty()) {
            return NONE;
        }
        NotifyAddress a;
        try {
            a = NotifyAddress.parse(notifySocket);
        } catch (NotifyAddress.InvalidAddressException e) {
            Logger.warn("service manager: {}; readiness and watchdog messages are not sent", e.getMessage());
            return NONE;
        }
        return new ServiceNotifier(a, watchdogTimeout(watchdogUsec, watchdogPid, pid).orElse(null), nanoClock);
    }

    /**
     * {@code WatchdogSec=} as systemd passes it: {@code WATCHDOG_USEC} in microseconds, for this process only
     * when {@code WATCHDOG_PID} is unset or names it (sd_watchdog_enabled(3)). Empty when there is no watchdog
     * or a value is not a positive number.
     */
    public static Optional<Duration> watchdogTimeout(String usec, String watchdogPid, long pid) {
        if (usec == null || usec.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (watchdogPid != null && !watchdogPid.isEmpty() && Long.parseLong(watchdogPid) != pid) {
                return Optional.empty();
            }
            long micros = Long.parseLong(usec);
            return micros > 0 ? Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L))) : Optional.empty();
        } catch (NumberFormatException | ArithmeticException e) {
            Logger.warn("service manager: WATCHDOG_USEC='{}' WATCHDOG_PID='{}' is not a watchdog setting; ignored",
                    usec, watchdogPid);
            return Optional.empty();
        }
    }

    private static String setting(String property, String variable) {
        String p = System.getProperty(property);
        return p != null && !p.isEmpty() ? p : System.getenv(variable);
    }

    /** Whether a service manager listens (messages are sent at all). */
    public boolean enabled() {
        return address != null;
    }

    /** The service manager's watchdog timeout ({@code WatchdogSec=}), when it watches this process. */
    public Optional<Duration> watchdogTimeout() {
        return Optional.ofNullable(watchdogTimeout);
    }

    /** How often the caller of {@link #watchdog()} must turn at least: half the watchdog timeout. */
    public Optional<Duration> keepaliveEvery() {
        return watchdogTimeout().map(t -> t.dividedBy(2));
    }

    /** {@code READY=1} with the first status line: start-up is complete and the service does its job. */
    public void ready(String status) {
        String s = oneLine(status);
        synchronized (lock) {
            lastStatus = s;
        }
        send("READY=1\nSTATUS=" + s);
    }

    /** {@code STATUS=}: the one-line state shown by {@code systemctl status}; an unchanged line is not resent. */
    public void status(String line) {
        String s = oneLine(line);
        synchronized (lock) {
            if (s.equals(lastStatus)) {
                return;
            }
            lastStatus = s;
        }
        send("STATUS=" + s);
    }

    /**
     * {@code WATCHDOG=1}, paced: sent when a quarter of the watchdog timeout has passed since the last one, so
     * the node loop may call this every turn. Does nothing when systemd does not watch this process.
     */
    public void watchdog() {
        if (watchdogTimeout == null || address == null) {
            return;
        }
        long now = nanoClock.getAsLong();
        synchronized (lock) {
            if (pinged && now - lastPingNanos < minPingGapNanos) {
                return;
            }
            pinged = true;
            lastPingNanos = now;
        }
        send("WATCHDOG=1");
    }

    /**
     * {@code EXTEND_TIMEOUT_USEC=}: asks for {@code more} time from now before the start or stop timeout (or
     * the watchdog) fires; repeat it before it runs out while a long MariaDB recovery goes on.
     */
    public void extendTimeout(Duration more) {
        send("EXTEND_TIMEOUT_USEC=" + Math.max(1, more.toNanos() / 1000));
    }

    /** {@code STOPPING=1} with a last status line: the service is shutting down on purpose. */
    public void stopping(String status) {
        String s = oneLine(status);
        synchronized (lock) {
            lastStatus = s;
        }
        send("STOPPING=1\nSTATUS=" + s);
    }

    /**
     * Sends one datagram as it is (assignments separated by newlines). Returns whether the service manager's
     * socket took it; false when there is none, or after logging why it failed.
     */
    public boolean send(String message) {
        if (address == null) {
            return false;
        }
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        synchronized (lock) {
            if (closed) {
                return false;
            }
            try {
                if (fd < 0) {
                    fd = PlatformLibc.socket(PlatformLibc.AF_UNIX,
                            PlatformLibc.SOCK_DGRAM | PlatformLibc.SOCK_CLOEXEC | PlatformLibc.SOCK_NONBLOCK, 0);
                }
                PlatformLibc.sendto(fd, b, b.length, PlatformLibc.MSG_DONTWAIT | PlatformLibc.MSG_NOSIGNAL,
                        address.sockaddr(), address.sockaddr().length);
                lastErrno = 0;
                return true;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != lastErrno) {
                    lastErrno = e.getErrorCode();
                    Logger.warn("service manager at {}: cannot send '{}' ({}); going on without it", address,
                            firstLine(message), e.getMessage());
                }
                return false;
            } catch (RuntimeException | LinkageError e) {
                // no native access (JNA missing or refused): report once and stop trying
                Logger.warn("service manager at {}: cannot send notifications ({}); going on without them", address,
                        e.toString());
                closed = true;
                return false;
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (fd >= 0) {
                try {
                    PlatformLibc.close(fd);
                } catch (LastErrorException ignored) {
                    // nothing left to release
                }
                fd = -1;
            }
        }
    }

    /** A status as one line of bounded length (a newline would start a new assignment). */
    static String oneLine(String s) {
        String line = s == null ? "" : s.strip();
        boolean clean = true;
        for (int i = 0; i < line.length() && clean; i++) {
            clean = !Character.isISOControl(line.charAt(i));
        }
        if (!clean) { // the node loop calls this every turn: the common case allocates nothing
            line = line.replaceAll("[\\r\\n]+", "; ").replaceAll("\\p{Cntrl}", " ");
        }
        return line.length() > MAX_STATUS ? line.substring(0, MAX_STATUS) : line;
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public String toString() {
        return address == null ? "no service manager" : "service manager at " + address
                + (watchdogTimeout == null ? "" : ", watchdog " + watchdogTimeout.toMillis() + " ms");
    }
}
