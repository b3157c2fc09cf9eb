package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Adds and removes interface addresses through rtnetlink (RTM_NEWADDR / RTM_DELADDR, rtnetlink(7)), each
 * request acknowledged by the kernel within a deadline. Adding an address that is there and removing one
 * that is not are successes: both are what the caller wanted. IPv6 addresses skip duplicate address
 * detection (IFA_F_NODAD), as a virtual address must answer at once.
 */
public final class Rtnetlink implements AutoCloseable {
    private static final int NETLINK_ROUTE = 0;
    private static final short RTM_NEWADDR = 20;
    private static final short RTM_DELADDR = 21;
    private static final short NLMSG_ERROR = 2;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_ACK = 4;
    private static final short NLM_F_REPLACE = 0x100;
    private static final short NLM_F_CREATE = 0x400;
    private static final short IFA_ADDRESS = 1;
    private static final short IFA_LOCAL = 2;
    private static final short IFA_FLAGS = 8;
    private static final int IFA_F_NODAD = 0x02;
    private static final int EEXIST = 17;
    private static final int EADDRNOTAVAIL = 99;
    private static final int ESRCH = 3;
    private static final AtomicInteger SEQ = new AtomicInteger(1);

    private final int fd;

    private Rtnetlink(int fd) {
        this.fd = fd;
    }

    public static Rtnetlink open() throws IOException {
        try {
            int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
            byte[] sa = new byte[12];
            sa[0] = (byte) Libc.AF_NETLINK; // little-endian family; pid 0 = let the kernel assign
            Libc.bind(fd, sa, sa.length);
            return new Rtnetlink(fd);
        } catch (LastErrorException e) {
            throw new IOException("rtnetlink socket: errno " + e.getErrorCode());
        }
    }

    /** Adds {@code address/prefix} to the interface. */
    public void add(String ifname, InetAddress address, int prefix) throws IOException {
        int err = request(RTM_NEWADDR, (short) (NLM_F_CREATE | NLM_F_REPLACE), Libc.ifindex(ifname), address, prefix);
        if (err != 0 && err != EEXIST) {
            throw new IOException("adding " + address.getHostAddress() + "/" + prefix + " to " + ifname + ": errno " + err);
        }
    }

    /** Removes {@code address/prefix} from the interface. */
    public void delete(String ifname, InetAddress address, int prefix) throws IOException {
        int err = request(RTM_DELADDR, (short) 0, Libc.ifindex(ifname), address, prefix);
        if (err != 0 && err != EADDRNOTAVAIL && err != ESRCH) {
            throw new IOException("removing " + address.getHostAddress() + "/" + prefix + " from " + ifname
                    + ": errno " + err);
        }
    }

    private synchronized int request(short type, short flags, int ifindex, InetAddress address, int prefix)
            throws IOException {
        boolean v6 = address instanceof Inet6Address;
        byte[] a = address.getAddress();
        int attrs = v6 ? attr(a.length) + attr(4) : 2 * attr(a.length);
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + attrs).order(ByteOrder.nativeOrder());
        int seq = SEQ.getAndIncrement();
        b.putInt(b.capacity()).putShort(type).putShort((short) (NLM_F_REQUEST | NLM_F_ACK | flags)).putInt(seq).putInt(0);
        b.put((byte) (v6 ? Libc.AF_INET6 : Libc.AF_INET)).put((byte) prefix).put((byte) (v6 ? IFA_F_NODAD : 0))
                .put((byte) 0).putInt(ifindex);
        if (v6) {
            putAttr(b, IFA_ADDRESS, a);
            putAttr(b, IFA_FLAGS, Libc.nativeInt(IFA_F_NODAD));
        } else {
            putAttr(b, IFA_LOCAL, a);
            putAttr(b, IFA_ADDRESS, a);
        }
        byte[] kernel = new byte[12];
        kernel[0] = (byte) Libc.AF_NETLINK;
        try {
            Libc.sendto(fd, b.array(), b.capacity(), 0, kernel, kernel.length);
            byte[] tv = Libc.timeval(2000);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, tv.length);
            byte[] in = new byte[8192];
            while (true) {
                int n = (int) Libc.recvfrom(fd, in, in.length, 0, null, null);
                ByteBuffer r = ByteBuffer.wrap(in, 0, n).order(ByteOrder.nativeOrder());
                for (int off = 0; off + 16 <= n; ) {
                    int len = r.getInt(off);
                    if (r.getShort(off + 4) == NLMSG_ERROR && r.getInt(off + 8) == seq) {
                        return -r.getInt(off + 16);
                    }
                    if (len < 16) {
                        break;
                    }
                    off += (len + 3) & ~3;
                }
            }
        } catch (LastErrorException e) {
            throw new IOException("rtnetlink: " + (e.getErrorCode() == Libc.EAGAIN ? "no answer from the kernel in 2 s"
                    : "errno " + e.getErrorCode()));
        }
    }

    private static int attr(int len) {
        return (4 + len + 3) & ~3;
    }

    private static void putAttr(ByteBuffer b, short type, byte[] data) {
        b.putShort((short) (4 + data.length)).putShort(type).put(data);
        for (int i = 4 + data.length; i < attr(data.length); i++) {
            b.put((byte) 0);
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
