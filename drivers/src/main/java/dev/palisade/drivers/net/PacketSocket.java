package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** An AF_PACKET socket for one Ethernet type on one interface: whole frames out and in, receives with deadlines. */
public final class PacketSocket implements AutoCloseable {
    public static final int ETH_P_ARP = 0x0806;
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private final int fd;
    private final int ifindex;
    private final int ethertype;
    private final byte[] buffer = new byte[2048];

    private PacketSocket(int fd, int ifindex, int ethertype) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.ethertype = ethertype;
    }

    public static PacketSocket open(String ifname, int ethertype) throws IOException {
        int ifindex = Libc.ifindex(ifname);
        try {
            int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Short.reverseBytes((short) ethertype));
            byte[] ll = sockaddrLl(ifindex, ethertype);
            Libc.bind(fd, ll, ll.length);
            return new PacketSocket(fd, ifindex, ethertype);
        } catch (LastErrorException e) {
            throw new IOException("packet socket on " + ifname + ": errno " + e.getErrorCode());
        }
    }

    private static byte[] sockaddrLl(int ifindex, int ethertype) {
        return ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_PACKET)
                .putShort(Short.reverseBytes((short) ethertype)).putInt(ifindex).putShort((short) 1).put((byte) 0)
                .put((byte) 6).put(BROADCAST).put(new byte[2]).array();
    }

    /** Sends one whole Ethernet frame (destination MAC first). */
    public void send(byte[] frame) throws IOException {
        byte[] ll = sockaddrLl(ifindex, ethertype);
        try {
            Libc.sendto(fd, frame, frame.length, 0, ll, ll.length);
        } catch (LastErrorException e) {
            throw new IOException("frame out: errno " + e.getErrorCode());
        }
    }

    /** The next frame, or null when none came within the timeout. */
    public byte[] receive(long timeoutMillis) throws IOException {
        byte[] tv = Libc.timeval(Math.max(1, timeoutMillis));
        Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, tv.length);
        try {
            int n = (int) Libc.recvfrom(fd, buffer, buffer.length, 0, null, null);
            return Arrays.copyOf(buffer, n);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.EAGAIN || e.getErrorCode() == Libc.EINTR) {
                return null;
            }
            throw new IOException("frame in: errno " + e.getErrorCode());
        }
    }

    /** An ARP frame (RFC 826) broadcast from {@code mac}: op 1 request, 2 reply. */
    public static byte[] arp(byte[] mac, int op, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        ByteBuffer f = ByteBuffer.allocate(42);
        f.put(BROADCAST).put(mac).putShort((short) ETH_P_ARP);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        f.put(mac).put(senderIp).put(targetMac).put(targetIp);
        return f.array();
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
