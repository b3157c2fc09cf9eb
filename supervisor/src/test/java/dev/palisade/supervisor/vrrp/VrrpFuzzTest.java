package dev.palisade.supervisor.vrrp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;

/** Jazzer: any datagram decodes to an advert that re-encodes to the same bytes, or to a DecodeException. */
class VrrpFuzzTest {
    private static final InetAddress SRC = InetAddress.getLoopbackAddress();
    private static final InetAddress DST;

    static {
        try {
            DST = InetAddress.getByName("224.0.0.18");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decode(byte[] data) {
        for (boolean v6 : new boolean[] {false, true}) {
            try {
                VrrpPacket p = VrrpPacket.decode(data, SRC, DST, 255, v6);
                if (!v6 && !java.util.Arrays.equals(p.encode(SRC, DST), data)
                        && (p.version() == 2 || (data[4] & 0xf0) == 0)) {
                    throw new AssertionError("accepted advert does not re-encode to itself");
                }
            } catch (VrrpPacket.DecodeException expected) {
                // refused with its kind
            }
        }
    }
}
