package dev.palisade.drivers.net;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Tells the segment who owns an address now: gratuitous ARP (RFC 5227 §3 announcement; request form
 * "who-has VIP tell VIP", or reply form) as a broadcast Ethernet frame from the interface MAC, and IPv6
 * unsolicited Neighbor Advertisements (RFC 4861 §7.2.6) to all-nodes with the override and router flags.
 */
public final class Announcer implements AutoCloseable {
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private final String ifname;
    private final int ifindex;
    private final byte[] mac;
    private final PacketSocket arp;
    private int icmp6Fd = -1;

    private Announcer(String ifname, int ifindex, byte[] mac, PacketSocket arp) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.mac = mac;
        this.arp = arp;
    }

    public static Announcer open(String ifname) throws IOException {
        return new Announcer(ifname, Libc.ifindex(ifname), mac(ifname), PacketSocket.open(ifname, PacketSocket.ETH_P_ARP));
    }

    /** The interface's hardware address from sysfs. */
    public static byte[] mac(String ifname) throws IOException {
        String s = Files.readString(Path.of("/sys/class/net", ifname, "address")).trim();
        return HexFormat.ofDelimiter(":").parseHex(s);
    }

    public byte[] mac() {
        return mac.clone();
    }

    /** One gratuitous ARP for {@code vip}: a request "who-has VIP tell VIP" (as keepalived sends) or a reply. */
    public void gratuitousArp(Inet4Address vip, boolean reply) throws IOException {
        byte[] ip = vip.getAddress();
        arp.send(PacketSocket.arp(mac, reply ? 2 : 1, ip, reply ? mac : BROADCAST, ip));
    }

    /** One unsolicited Neighbor Advertisement for {@code vip} to ff02::1, hop limit 255 (RFC 4861 §7.2.6). */
    public void unsolicitedNa(InetAddress vip, boolean router) throws IOException {
        try {
            if (icmp6Fd < 0) {
                icmp6Fd = Libc.socket(Libc.AF_INET6, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.IPPROTO_ICMPV6);
                byte[] dev = (ifname + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                Libc.setsockopt(icmp6Fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, dev, dev.length);
                Libc.setInt(icmp6Fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_HOPS, 255);
                Libc.setInt(icmp6Fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_IF, ifindex);
            }
            // type 136, code 0, checksum (kernel), flags R|O (S=0: unsolicited), target, option 2 = target MAC
            ByteBuffer na = ByteBuffer.allocate(32).order(ByteOrder.BIG_ENDIAN);
            na.put((byte) 136).put((byte) 0).putShort((short) 0).putInt((router ? 0x80000000 : 0) | 0x20000000)
                    .put(vip.getAddress()).put((byte) 2).put((byte) 1).put(mac);
            byte[] dst = IpRawSocket.sockaddr(InetAddress.getByName("ff02::1"), ifindex);
            Libc.sendto(icmp6Fd, na.array(), 32, 0, dst, dst.length);
        } catch (LastErrorException e) {
            throw new IOException("neighbor advertisement on " + ifname + ": errno " + e.getErrorCode());
        }
    }

    @Override
    public void close() {
        arp.close();
        if (icmp6Fd >= 0) {
            Libc.close(icmp6Fd);
        }
    }
}
