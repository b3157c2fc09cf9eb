package dev.palisade.supervisor.vrrp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A VRRP advertisement, version 2 (RFC 3768 §5.1) or 3 (RFC 5798 §5.1), as the IP payload of protocol 112.
 *
 * <pre>
 * v2:  0 version 2 | type 1   1 VRID   2 priority   3 count   4 auth type   5 interval (s)   6-7 checksum
 *      8.. count IPv4 addresses, then 8 bytes of authentication data. Checksum over the message only.
 * v3:  0 version 3 | type 1   1 VRID   2 priority   3 count   4-5 4 reserved bits | max advert interval (cs)
 *      6-7 checksum   8.. count IPv4 or IPv6 addresses. Checksum includes the IP pseudo-header (§5.2.8).
 * </pre>
 *
 * {@code interval} is in the version's unit: seconds (v2) or centiseconds (v3). No I/O here.
 */
public record VrrpPacket(int version, int vrid, int priority, int interval, int authType, byte[] authData,
                         List<InetAddress> addresses) {
    /** IP protocol number (RFC 5798 §5.2.4). */
    public static final int PROTOCOL = 112;
    /** RFC 5798 §5.1.1.2 / RFC 3768 §5.2.2. */
    public static final String GROUP_V4 = "224.0.0.18";
    /** RFC 5798 §5.1.2.2. */
    public static final String GROUP_V6 = "ff02::12";
    private static final int TYPE_ADVERTISEMENT = 1;

    /** Why a datagram was dropped; each kind is counted separately. */
    public enum Defect { TRUNCATED, VERSION, TYPE, CHECKSUM, TTL, ADDRESS_COUNT, VRID, INTERVAL, AUTH, FAMILY }

    /** A datagram that is not a valid advertisement for us. */
    public static final class DecodeException extends Exception {
        private final Defect defect;

        public DecodeException(Defect defect, String message) {
            super(message);
            this.defect = defect;
        }

        public Defect defect() {
            return defect;
        }
    }

    /** Encodes with the checksum; {@code source}/{@code destination} feed the v3 pseudo-header. */
    public byte[] encode(InetAddress source, InetAddress destination) {
        boolean v6 = !addresses.isEmpty() && addresses.get(0) instanceof Inet6Address;
        int alen = v6 ? 16 : 4;
        int len = 8 + addresses.size() * alen + (version == 2 ? 8 : 0);
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put((byte) (version << 4 | TYPE_ADVERTISEMENT)).put((byte) vrid).put((byte) priority)
                .put((byte) addresses.size());
        if (version == 2) {
            b.put((byte) authType).put((byte) interval);
        } else {
            b.putShort((short) (interval & 0x0fff));
        }
        b.putShort((short) 0);
        for (InetAddress a : addresses) {
            b.put(a.getAddress());
        }
        if (version == 2) {
            b.put(authData == null ? new byte[8] : Arrays.copyOf(authData, 8));
        }
        byte[] out = b.array();
        int sum = version == 2 ? checksum(out, null, null) : checksum(out, source, destination);
        out[6] = (byte) (sum >> 8);
        out[7] = (byte) sum;
        return out;
    }

    /**
     * Decodes and checks an advertisement as RFC 5798 §7.1 requires: TTL/hop limit 255, version, type,
     * length against the address count, checksum (v3 with the pseudo-header). VRID and interval are the
     * instance's to check.
     */
    public static VrrpPacket decode(byte[] b, InetAddress source, InetAddress destination, int ttl, boolean ipv6)
            throws DecodeException {
        if (ttl != 255) {
            throw new DecodeException(Defect.TTL, "TTL/hop limit " + ttl + ", not 255: not sent on this link");
        }
        if (b.length < 8) {
            throw new DecodeException(Defect.TRUNCATED, b.length + " bytes, shorter than a VRRP header");
        }
        int version = (b[0] & 0xff) >> 4;
        if (version != 2 && version != 3) {
            throw new DecodeException(Defect.VERSION, "version " + version);
        }
        if ((b[0] & 0x0f) != TYPE_ADVERTISEMENT) {
            throw new DecodeException(Defect.TYPE, "type " + (b[0] & 0x0f) + " is not an advertisement");
        }
        if (version == 2 && ipv6) {
            throw new DecodeException(Defect.FAMILY, "VRRPv2 over IPv6");
        }
        int count = b[3] & 0xff;
        int alen = ipv6 ? 16 : 4;
        int expected = 8 + count * alen + (version == 2 ? 8 : 0);
        if (b.length < expected) {
            throw new DecodeException(Defect.TRUNCATED, b.length + " bytes for " + count + " addresses (" + expected
                    + " needed)");
        }
        if (count == 0 || b.length != expected) {
            throw new DecodeException(Defect.ADDRESS_COUNT, "count " + count + " does not match " + b.length
                    + " bytes");
        }
        int sum = version == 2 ? checksum(b, null, null) : checksum(b, source, destination);
        if (sum != 0) {
            throw new DecodeException(Defect.CHECKSUM, String.format("checksum 0x%02x%02x does not verify",
                    b[6], b[7]));
        }
        List<InetAddress> addrs = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                addrs.add(InetAddress.getByAddress(Arrays.copyOfRange(b, 8 + i * alen, 8 + (i + 1) * alen)));
            }
        } catch (UnknownHostException e) {
            throw new DecodeException(Defect.TRUNCATED, e.getMessage());
        }
        int interval = version == 2 ? b[5] & 0xff : ((b[4] & 0x0f) << 8) | (b[5] & 0xff);
        int authType = version == 2 ? b[4] & 0xff : 0;
        byte[] auth = version == 2 ? Arrays.copyOfRange(b, expected - 8, expected) : new byte[8];
        return new VrrpPacket(version, b[1] & 0xff, b[2] & 0xff, interval, authType, auth, List.copyOf(addrs));
    }

    /**
     * The Internet checksum (RFC 1071) of the message, preceded by the IPv4 or IPv6 pseudo-header when the
     * addresses are given. Over a message whose checksum field is filled in, a correct one gives 0.
     */
    static int checksum(byte[] msg, InetAddress source, InetAddress destination) {
        long sum = 0;
        if (source != null && destination != null) {
            byte[] s = source.getAddress();
            byte[] d = destination.getAddress();
            sum += words(s) + words(d);
            if (s.length == 16) {
                sum += (msg.length >>> 16) + (msg.length & 0xffff) + PROTOCOL;
            } else {
                sum += PROTOCOL + msg.length;
            }
        }
        sum += words(msg);
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long words(byte[] b) {
        long s = 0;
        for (int i = 0; i + 1 < b.length; i += 2) {
            s += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if ((b.length & 1) == 1) {
            s += (b[b.length - 1] & 0xff) << 8;
        }
        return s;
    }
}
