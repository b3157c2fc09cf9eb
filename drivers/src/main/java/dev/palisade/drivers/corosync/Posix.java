package dev.palisade.drivers.corosync;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The libc calls the dispatch loop needs: poll(2) over the library's fd and a wake-up pipe. */
final class Posix {
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;

    static {
        Native.register(Posix.class, "c");
    }

    private Posix() {
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}; struct pollfd is {int fd; short events, revents}. */
    static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;

    static native int pipe2(int[] fds, int flags) throws LastErrorException;

    static native long read(int fd, byte[] buf, long count) throws LastErrorException;

    static native long write(int fd, byte[] buf, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
}
