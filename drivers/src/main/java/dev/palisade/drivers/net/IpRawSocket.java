package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A raw IPv4 or IPv6 socket for one IP protocol (VRRP: 112) bound to one interface, joined to a multicast
 * group, sending with TTL / hop limit 255 and traffic class 0xC0 (RFC 5798 §5.1.1.3, §5.1.2.3), not looping
 * its own multicast back. Received datagrams come with their source, destination and TTL / hop limit, so
 * the protocol can check what RFC 5798 §7.1 requires. IPv6 checksums (pseudo-header) are computed and
 * verified by the kernel (IPV6_CHECKSUM at offset 6); IPv4 ones are the caller's. Receives have deadlines.
 */
public final class IpRawSocket implements AutoCloseable {
    /** One received datagram: the IP payload and the header facts that matter. */
    public record Datagram(InetAddress source, InetAddress destination, int ttl, byte[] payload) {
    }

    private final int fd;
    private final boolean ipv6;
    private final int ifindex;
    private final byte[] buffer = new byte[65536];
    private final Memory msg;
    private final Memory iov;
    private final Memory name;
    private final Memory control;
    private final Memory data;
    private volatile boolean closed;

    private IpRawSocket(int fd, boolean ipv6, int ifindex) {
        this.fd = fd;
        this.ipv6 = ipv6;
        this.ifindex = ifindex;
        if (ipv6) {
            msg = new Memory(56);
            iov = new Memory(16);
            name = new Memory(28);
            control = new Memory(256);
            data = new Memory(65536);
        } else {
            msg = iov = name = control = data = null;
        }
    }

    /** The index of the interface this socket was opened on. */
    public int ifindex() {
        return ifindex;
    }

    /** The index of interface {@code name} now, or -1 when there is none (removed, not yet created). */
    public static int interfaceIndex(String name) {
        int i = Libc.if_nametoindex(name);
        return i == 0 ? -1 : i;
    }

    /**
     * Opens the socket on {@code ifname}. {@code source} (IPv4 only; may be null) is the source address of
     * multicast sends, so the kernel never picks a virtual address; {@code group} is joined when not null.
     */
    public static IpRawSocket open(String ifname, boolean ipv6, int protocol, InetAddress source, InetAddress group)
            throws IOException {
        int ifindex = Libc.ifindex(ifname);
        int fd;
        try {
            fd = Libc.socket(ipv6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new IOException("raw socket for IP protocol " + protocol + ": errno " + e.getErrorCode()
                    + (e.getErrorCode() == 1 ? " (needs root or CAP_NET_RAW)" : ""));
        }
        try {
            byte[] dev = (ifname + "\0").getBytes(StandardCharsets.US_ASCII);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, dev, dev.length);
            Libc.setInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 1 << 20);
            if (ipv6) {
                if (protocol != Libc.IPPROTO_ICMPV6) { // ICMPv6 checksums are always the kernel's
                    Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_CHECKSUM, 6);
                }
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVHOPLIMIT, 1);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVPKTINFO, 1);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_IF, ifindex);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_HOPS, 255);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, 255);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_LOOP, 0);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_TCLASS, 0xc0);
                if (group != null) {
                    byte[] mreq = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).put(group.getAddress())
                            .putInt(ifindex).array();
                    Libc.setsockopt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_JOIN_GROUP, mreq, mreq.length);
                }
            } else {
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_TOS, 0xc0);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_TTL, 255);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_TTL, 255);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_LOOP, 0);
                // the source rides in IP_MULTICAST_IF (binding would also filter what we receive to that address)
                byte[] out = mreqn(group, source, ifindex);
                Libc.setsockopt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_IF, out, out.length);
                if (group != null) {
                    byte[] join = mreqn(group, null, ifindex);
                    Libc.setsockopt(fd, Libc.IPPROTO_IP, Libc.IP_ADD_MEMBERSHIP, join, join.length);
                }
            }
        } catch (LastErrorException e) {
            Libc.close(fd);
            throw new IOException("configuring the raw socket on " + ifname + ": errno " + e.getErrorCode());
        }
        return new IpRawSocket(fd, ipv6, ifindex);
    }

    private static byte[] mreqn(InetAddress group, InetAddress source, int ifindex) {
        return ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                .put(group != null ? group.getAddress() : new byte[4])
                .put(source != null ? source.getAddress() : new byte[4]).putInt(ifindex).array();
    }

    static byte[] sockaddr(InetAddress a, int ifindex) {
        if (a instanceof Inet6Address) {
            ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
            b.putShort((short) Libc.AF_INET6).putShort((short) 0).putInt(0).put(a.getAddress())
                    .putInt(a.isLinkLocalAddress() || a.isMulticastAddress() ? ifindex : 0);
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putShort((short) Libc.AF_INET).putShort((short) 0).put(a.getAddress());
        return b.array();
    }

    /** Overrides the TTL / hop limit of what this socket sends (255 by default, as VRRP requires). */
    public void ttl(int ttl) {
        if (ipv6) {
            Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_HOPS, ttl);
            Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, ttl);
        } else {
            Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_TTL, ttl);
            Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_TTL, ttl);
        }
    }

    public void send(InetAddress destination, byte[] payload) throws IOException {
        byte[] sa = sockaddr(destination, ifindex);
        try {
            Libc.sendto(fd, payload, payload.length, 0, sa, sa.length);
        } catch (LastErrorException e) {
            throw new IOException("send to " + destination.getHostAddress() + ": errno " + e.getErrorCode());
        }
    }

    /** The next datagram, or null when none came within {@code timeoutMillis} (or the socket was closed). */
    public Datagram receive(long timeoutMillis) throws IOException {
        if (closed) {
            return null;
        }
        byte[] tv = Libc.timeval(Math.max(1, timeoutMillis));
        Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, tv.length);
        try {
            return ipv6 ? receive6() : receive4();
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.EAGAIN || e.getErrorCode() == Libc.EINTR || closed) {
                return null;
            }
            throw new IOException("receive: errno " + e.getErrorCode());
        }
    }

    private Datagram receive4() throws UnknownHostException {
        int n = (int) Libc.recvfrom(fd, buffer, buffer.length, 0, null, null);
        if (n < 20) {
            return null;
        }
        int ihl = (buffer[0] & 0x0f) * 4;
        int total = Math.min(n, ((buffer[2] & 0xff) << 8) | (buffer[3] & 0xff));
        if (ihl < 20 || ihl > total) {
            return null;
        }
        return new Datagram(InetAddress.getByAddress(Arrays.copyOfRange(buffer, 12, 16)),
                InetAddress.getByAddress(Arrays.copyOfRange(buffer, 16, 20)), buffer[8] & 0xff,
                Arrays.copyOfRange(buffer, ihl, total));
    }

    private Datagram receive6() throws UnknownHostException {
        iov.setPointer(0, data);
        iov.setLong(8, data.size());
        msg.setPointer(0, name);
        msg.setInt(8, (int) name.size());
        msg.setPointer(16, iov);
        msg.setLong(24, 1);
        msg.setPointer(32, control);
        msg.setLong(40, control.size());
        msg.setInt(48, 0);
        int n = (int) Libc.recvmsg(fd, msg, 0);
        byte[] payload = data.getByteArray(0, n);
        InetAddress src = InetAddress.getByAddress(name.getByteArray(8, 16));
        InetAddress dst = null;
        int hops = -1;
        long controlLen = msg.getLong(40);
        long off = 0;
        while (off + 16 <= controlLen) {
            long len = control.getLong(off);
            int level = control.getInt(off + 8);
            int type = control.getInt(off + 12);
            if (len < 16) {
                break;
            }
            if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_HOPLIMIT) {
                hops = control.getInt(off + 16);
            } else if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_PKTINFO) {
                dst = InetAddress.getByAddress(control.getByteArray(off + 16, 16));
            }
            off += (len + 7) & ~7L;
        }
        return new Datagram(src, dst, hops, payload);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    /** The first IPv4 (or IPv6 link-local) address of the interface that is not in {@code excluded}. */
    public static InetAddress primaryAddress(String ifname, boolean ipv6, java.util.Collection<InetAddress> excluded)
            throws IOException {
        java.net.NetworkInterface nif = java.net.NetworkInterface.getByName(ifname);
        if (nif == null) {
            throw new IOException("no network interface named '" + ifname + "'");
        }
        for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
            boolean family = ipv6 ? a instanceof Inet6Address && a.isLinkLocalAddress() : a instanceof Inet4Address;
            if (family && !excluded.contains(a)) {
                return ipv6 ? InetAddress.getByAddress(a.getAddress()) : a;
            }
        }
        throw new IOException(ifname + " has no " + (ipv6 ? "IPv6 link-local" : "IPv4") + " address of its own");
    }
}
