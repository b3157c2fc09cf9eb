package dev.palisade.drivers.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/**
 * The libc calls of the service manager notifier and the hardware watchdog (JNA direct mapping, Linux).
 * The JDK has neither datagram Unix sockets (sd_notify(3)) nor ioctl (watchdog-api.rst).
 */
final class PlatformLibc {
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int O_WRONLY = 1;
    static final int O_CLOEXEC = 0x80000;
    /** {@code struct sockaddr_un}: sa_family_t (2 bytes) then sun_path[108]. */
    static final int SUN_PATH_OFFSET = 2;
    static final int SUN_PATH_MAX = 108;

    static {
        Native.register(PlatformLibc.class, "c");
    }

    private PlatformLibc() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen)
            throws LastErrorException;

    static native int open(String path, int flags) throws LastErrorException;

    static native long write(int fd, byte[] buf, long n) throws LastErrorException;

    static native int ioctl(int fd, long request, int[] arg) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int getpid();
}
