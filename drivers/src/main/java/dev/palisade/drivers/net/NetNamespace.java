package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import java.io.IOException;

/**
 * Moves the calling thread into a named network namespace ({@code /var/run/netns/NAME}, as {@code ip netns}
 * makes them). Only this thread moves; sockets it opens afterwards belong to that namespace and can then be
 * used from any thread.
 */
public final class NetNamespace {
    private NetNamespace() {
    }

    public static void enter(String name) throws IOException {
        int fd;
        try {
            fd = Libc.open("/var/run/netns/" + name, 0x80000 /* O_RDONLY | O_CLOEXEC */);
        } catch (LastErrorException e) {
            throw new IOException("network namespace " + name + ": errno " + e.getErrorCode());
        }
        try {
            Libc.setns(fd, Libc.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new IOException("setns into " + name + ": errno " + e.getErrorCode());
        } finally {
            Libc.close(fd);
        }
    }
}
