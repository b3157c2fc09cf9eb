package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The libc calls of every socket driver here: vsock, raw IP, netlink, packet (JNA direct mapping, Linux x86-64/arm64). */
final class Libc {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SO_BINDTODEVICE = 25;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int IPPROTO_ICMPV6 = 58;
    static final int IP_TOS = 1;
    static final int IP_TTL = 2;
    static final int IP_MULTICAST_IF = 32;
    static final int IP_MULTICAST_TTL = 33;
    static final int IP_MULTICAST_LOOP = 34;
    static final int IP_ADD_MEMBERSHIP = 35;
    static final int IPV6_CHECKSUM = 7;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int IPV6_MULTICAST_LOOP = 19;
    static final int IPV6_JOIN_GROUP = 20;
    static final int IPV6_RECVPKTINFO = 49;
    static final int IPV6_PKTINFO = 50;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;
    static final int IPV6_TCLASS = 67;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int CLONE_NEWNET = 0x40000000;

    static {
        Native.register(Libc.class, "c");
    }

    private Libc() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] addr, int len) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

    static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen)
            throws LastErrorException;

    static native long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrLen)
            throws LastErrorException;

    static native long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int listen(int fd, int backlog) throws LastErrorException;

    static native int connect(int fd, byte[] addr, int len) throws LastErrorException;

    static native int accept(int fd, byte[] addr, int[] len) throws LastErrorException;

    static native int getsockname(int fd, byte[] addr, int[] len) throws LastErrorException;

    static native long read(int fd, byte[] buf, long n) throws LastErrorException;

    static native long write(int fd, byte[] buf, long n) throws LastErrorException;

    static native int shutdown(int fd, int how) throws LastErrorException;

    static native int poll(byte[] fds, long nfds, int timeoutMillis) throws LastErrorException;

    static native int if_nametoindex(String name);

    static native int open(String path, int flags) throws LastErrorException;

    static native int setns(int fd, int nstype) throws LastErrorException;

    static void setInt(int fd, int level, int name, int value) {
        setsockopt(fd, level, name, nativeInt(value), 4);
    }

    static byte[] nativeInt(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** struct timeval for SO_RCVTIMEO. */
    static byte[] timeval(long millis) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(millis / 1000)
                .putLong((millis % 1000) * 1000).array();
    }

    /** The interface's index, or an error naming it. */
    static int ifindex(String name) {
        int i = if_nametoindex(name);
        if (i == 0) {
            throw new IllegalArgumentException("no network interface named '" + name + "'");
        }
        return i;
    }
}
