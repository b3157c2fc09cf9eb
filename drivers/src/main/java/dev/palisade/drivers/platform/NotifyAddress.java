package dev.palisade.drivers.platform;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where the service manager listens for readiness messages: the value of {@code $NOTIFY_SOCKET} turned into a
 * {@code struct sockaddr_un} (sd_notify(3)). An absolute path names a socket file; a leading {@code @} names
 * a socket in the abstract namespace (the {@code @} becomes a NUL byte and the address carries no trailing NUL,
 * unix(7) "Abstract sockets"). systemd 253's {@code vsock:} addresses are refused by name: Debian 12 has 252.
 *
 * @param text the variable as given (for messages)
 * @param sockaddr the address bytes to pass to sendto(2), of exactly the length the kernel expects
 */
public record NotifyAddress(String text, byte[] sockaddr) {
    /** The variable could not be used; says what was wrong with it. */
    public static final class InvalidAddressException extends IllegalArgumentException {
        public InvalidAddressException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code $NOTIFY_SOCKET}.
     *
     * @throws InvalidAddressException naming what is wrong: empty, relative, too long, a NUL inside a path,
     *     or an address family this notifier does not speak
     */
    public static NotifyAddress parse(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidAddressException("NOTIFY_SOCKET is empty");
        }
        byte[] name = value.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name[0] == '@';
        if (!abstractName && name[0] != '/') {
            throw new InvalidAddressException("NOTIFY_SOCKET='" + printable(value) + "' is neither an absolute"
                    + " path nor an abstract name starting with '@'"
                    + (value.startsWith("vsock:") ? " (vsock addresses need systemd 253 and are not supported)" : ""));
        }
        if (abstractName && name.length == 1) {
            throw new InvalidAddressException("NOTIFY_SOCKET='@' names no abstract socket");
        }
        // a path needs its terminating NUL inside sun_path[108]; an abstract name uses all 108 bytes
        int max = abstractName ? PlatformLibc.SUN_PATH_MAX : PlatformLibc.SUN_PATH_MAX - 1;
        if (name.length > max) {
            throw new InvalidAddressException("NOTIFY_SOCKET is " + name.length + " bytes long; a Unix socket address"
                    + " holds at most " + max);
        }
        if (!abstractName && value.indexOf('\0') >= 0) {
            throw new InvalidAddressException("NOTIFY_SOCKET contains a NUL byte");
        }
        int length = PlatformLibc.SUN_PATH_OFFSET + name.length + (abstractName ? 0 : 1);
        byte[] sockaddr = new byte[length];
        // sa_family_t in host byte order: little-endian on every platform this runs on (amd64, arm64)
        sockaddr[0] = (byte) PlatformLibc.AF_UNIX;
        System.arraycopy(name, 0, sockaddr, PlatformLibc.SUN_PATH_OFFSET, name.length);
        if (abstractName) {
            sockaddr[PlatformLibc.SUN_PATH_OFFSET] = 0;
        }
        return new NotifyAddress(value, sockaddr);
    }

    /** Whether this is an abstract-namespace address (no file in the file system). */
    public boolean isAbstract() {
        return sockaddr[PlatformLibc.SUN_PATH_OFFSET] == 0;
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NotifyAddress a && a.text.equals(text) && Arrays.equals(a.sockaddr, sockaddr);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return printable(text);
    }
}
