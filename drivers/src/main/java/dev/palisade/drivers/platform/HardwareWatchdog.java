package dev.palisade.drivers.platform;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * A hardware watchdog device ({@code /dev/watchdog}, the Linux watchdog API, Documentation/watchdog/
 * watchdog-api.rst): once opened, the machine resets unless {@link #kick()} is called within the timeout.
 * {@link #close()} is the orderly stop: it writes the magic character {@code 'V'} before closing, which
 * disarms the device (unless the kernel was built with {@code CONFIG_WATCHDOG_NOWAYOUT}). A process that dies
 * or hangs closes without it, and the machine resets: that is the point, for appliances whose systemd does not
 * own the device ({@code RuntimeWatchdogSec=} unset).
 *
 * <p>Kick it from the node loop itself, like {@link ServiceNotifier#watchdog()}, never from a timer thread of
 * its own: a loop that hangs must stop the kicks. {@link #kick()} never blocks and never throws.
 */
public final class HardwareWatchdog implements AutoCloseable {
    /** {@code _IOWR('W', 6, int)}: set the timeout in seconds; the driver answers with the one it chose. */
    static final long WDIOC_SETTIMEOUT = 0xC0045706L;
    /** {@code _IOR('W', 7, int)}: the timeout in seconds. */
    static final long WDIOC_GETTIMEOUT = 0x80045707L;
    private static final byte[] KEEPALIVE = {'.'};
    private static final byte[] MAGIC_CLOSE = {'V'};

    private final Path device;
    private final Duration timeout;
    private int fd;
    private int lastErrno;

    private HardwareWatchdog(Path device, int fd, Duration timeout) {
        this.device = device;
        this.fd = fd;
        this.timeout = timeout;
    }

    /**
     * Opens and so arms {@code device}, asking for {@code timeout} (whole seconds, at least 1). A device that
     * cannot set a timeout keeps its own, reported by {@link #timeout()} when it tells.
     *
     * @throws IOException when the device cannot be opened (missing, busy: another process holds it, or not
     *     permitted), naming the device
     */
    public static HardwareWatchdog open(Path device, Duration timeout) throws IOException {
        int fd;
        try {
            fd = PlatformLibc.open(device.toString(), PlatformLibc.O_WRONLY | PlatformLibc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException(device + ": cannot open the watchdog device (" + e.getMessage() + ")"
                    + (e.getErrorCode() == 16 ? "; another process (systemd's RuntimeWatchdogSec=, a watchdog daemon)"
                    + " holds it" : ""), e);
        } catch (LinkageError e) {
            throw new IOException(device + ": no native access to open the watchdog device (" + e + ")", e);
        }
        int[] seconds = {(int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()))};
        Duration set = null;
        try {
            PlatformLibc.ioctl(fd, WDIOC_SETTIMEOUT, seconds);
            set = Duration.ofSeconds(seconds[0]);
        } catch (LastErrorException e) {
            try {
                int[] got = {0};
                PlatformLibc.ioctl(fd, WDIOC_GETTIMEOUT, got);
                set = Duration.ofSeconds(got[0]);
            } catch (LastErrorException unknown) {
                // not every device tells; kicking is what matters
            }
            Logger.warn("watchdog {}: cannot set a {} s timeout ({}); the device keeps {}", device, seconds[0],
                    e.getMessage(), set == null ? "its own" : set.toSeconds() + " s");
        }
        HardwareWatchdog w = new HardwareWatchdog(device, fd, set);
        w.kick();
        Logger.info("watchdog {}: armed{}", device, set == null ? "" : ", timeout " + set.toSeconds() + " s");
        return w;
    }

    /** The timeout the device runs with, when it said. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** Restarts the device's countdown. A failed write is logged once (per kind) and otherwise ignored. */
    public synchronized void kick() {
        if (fd < 0) {
            return;
        }
        try {
            PlatformLibc.write(fd, KEEPALIVE, 1);
            lastErrno = 0;
        } catch (LastErrorException e) {
            if (e.getErrorCode() != lastErrno) {
                lastErrno = e.getErrorCode();
                Logger.error("watchdog {}: keepalive failed ({}); the machine will reset", device, e.getMessage());
            }
        }
    }

    /** Orderly stop: the magic character, then close, so the device stops counting. */
    @Override
    public synchronized void close() {
        if (fd < 0) {
            return;
        }
        try {
            PlatformLibc.write(fd, MAGIC_CLOSE, 1);
            Logger.info("watchdog {}: disarmed (magic close)", device);
        } catch (LastErrorException e) {
            Logger.error("watchdog {}: magic close failed ({}); the device may still reset the machine", device,
                    e.getMessage());
        } finally {
            try {
                PlatformLibc.close(fd);
            } catch (LastErrorException ignored) {
                // the descriptor is gone either way
            }
            fd = -1;
        }
    }
}
