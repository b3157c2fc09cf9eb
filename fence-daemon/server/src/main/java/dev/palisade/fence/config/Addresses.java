package dev.palisade.fence.config;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Textual IP addresses as operators write them and as inet_ntop(3) prints them (RFC 5952 for IPv6). */
public final class Addresses {
    private Addresses() {
    }

    /** The address of a peer as the access rules name it: its IP address in text, or the socket's own text. */
    public static String text(java.net.SocketAddress a) {
        return a instanceof java.net.InetSocketAddress isa && isa.getAddress() != null ? text(isa.getAddress())
                : String.valueOf(a);
    }

    /** {@code fd77::1}, not Java's {@code fd77:0:0:0:0:0:0:1}; IPv4 unchanged; no scope suffix. */
    public static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // the longest run of two or more zero words is written as "::" (the first such run on a tie)
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }
}
