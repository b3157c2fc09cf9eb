package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Adverts captured from keepalived 2.2.7 (VRID 51, VIP 10.99.0.100, from 10.99.0.1), field by field. */
class VrrpPacketTest {
    private static final InetAddress SRC = ip("10.99.0.1");
    private static final InetAddress GROUP = ip("224.0.0.18");
    private static final InetAddress VIP = ip("10.99.0.100");

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // version 2 | type 1, VRID 0x33 = 51, priority 0x96 = 150, 1 address, auth 0, interval 1 s, checksum 3e03,
    // 10.99.0.100, 8 zero bytes of authentication data
    static final String V2 = "21 33 96 01 00 01 3e03 0a630064 0000000000000000";
    // version 3 | type 1, VRID 51, priority 150, 1 address, interval 0x00a = 10 cs, checksum 4307 (pseudo-header)
    static final String V3 = "31 33 96 01 000a 4307 0a630064";
    // v2, auth type 1 (PASS), password "secret12" inside the checksum
    static final String V2_PASS = "21 33 96 01 01 01 cf84 0a630064 7365637265743132";
    // v2 priority 0 with PASS authentication: keepalived resigning on SIGTERM
    static final String V2_RESIGN = "21 33 00 01 01 01 6585 0a630064 7365637265743132";

    @Test
    void keepalivedsAdvertsDecode() throws Exception {
        VrrpPacket v2 = VrrpPacket.decode(hex(V2), SRC, GROUP, 255, false);
        assertEquals(2, v2.version());
        assertEquals(51, v2.vrid());
        assertEquals(150, v2.priority());
        assertEquals(1, v2.interval());
        assertEquals(List.of(VIP), v2.addresses());
        VrrpPacket v3 = VrrpPacket.decode(hex(V3), SRC, GROUP, 255, false);
        assertEquals(10, v3.interval());
        assertEquals(0, VrrpPacket.decode(hex(V2_RESIGN), SRC, GROUP, 255, false).priority());
        VrrpPacket pass = VrrpPacket.decode(hex(V2_PASS), SRC, GROUP, 255, false);
        assertEquals(1, pass.authType());
        assertArrayEquals("secret12".getBytes(), pass.authData());
    }

    @Test
    void weEncodeByteForByteWhatKeepalivedSends() {
        assertArrayEquals(hex(V2), new VrrpPacket(2, 51, 150, 1, 0, null, List.of(VIP)).encode(SRC, GROUP));
        assertArrayEquals(hex(V3), new VrrpPacket(3, 51, 150, 10, 0, null, List.of(VIP)).encode(SRC, GROUP));
        assertArrayEquals(hex(V2_PASS), new VrrpPacket(2, 51, 150, 1, 1, "secret12".getBytes(), List.of(VIP))
                .encode(SRC, GROUP));
        assertArrayEquals(hex(V2_RESIGN), new VrrpPacket(2, 51, 0, 1, 1, "secret12".getBytes(), List.of(VIP))
                .encode(SRC, GROUP));
    }

    @Test
    void v3OverIpv6RoundTripsWithThePseudoHeader() throws Exception {
        InetAddress src = ip("fe80::1");
        InetAddress dst = ip("ff02::12");
        VrrpPacket p = new VrrpPacket(3, 7, 200, 100, 0, null, List.of(ip("fe80::10"), ip("2001:db8::10")));
        byte[] b = p.encode(src, dst);
        assertEquals(8 + 32, b.length);
        VrrpPacket back = VrrpPacket.decode(b, src, dst, 255, true);
        assertEquals(p.addresses(), back.addresses());
        assertEquals(VrrpPacket.Defect.CHECKSUM, defect(b, ip("fe80::2"), dst, 255, true), "another source");
    }

    @Test
    void everyMalformedAdvertIsRefusedWithItsKind() {
        byte[] v3 = hex(V3);
        assertEquals(VrrpPacket.Defect.TTL, defect(v3, SRC, GROUP, 254, false));
        assertEquals(VrrpPacket.Defect.TRUNCATED, defect(hex("31 33 96"), SRC, GROUP, 255, false));
        assertEquals(VrrpPacket.Defect.TRUNCATED, defect(hex("31 33 96 02 000a 4307 0a630064"), SRC, GROUP, 255, false));
        assertEquals(VrrpPacket.Defect.ADDRESS_COUNT, defect(hex("31 33 96 00 000a 4307 0a630064"), SRC, GROUP, 255, false));
        assertEquals(VrrpPacket.Defect.ADDRESS_COUNT, defect(hex(V3 + "00"), SRC, GROUP, 255, false));
        byte[] sum = v3.clone();
        sum[7] ^= 1;
        assertEquals(VrrpPacket.Defect.CHECKSUM, defect(sum, SRC, GROUP, 255, false));
        assertEquals(VrrpPacket.Defect.CHECKSUM, defect(v3, ip("10.99.0.2"), GROUP, 255, false), "pseudo-header");
        byte[] ver = v3.clone();
        ver[0] = 0x41;
        assertEquals(VrrpPacket.Defect.VERSION, defect(ver, SRC, GROUP, 255, false));
        byte[] type = v3.clone();
        type[0] = 0x32;
        assertEquals(VrrpPacket.Defect.TYPE, defect(type, SRC, GROUP, 255, false));
        assertEquals(VrrpPacket.Defect.FAMILY, defect(hex(V2), SRC, GROUP, 255, true));
    }

    private static VrrpPacket.Defect defect(byte[] b, InetAddress s, InetAddress d, int ttl, boolean v6) {
        return assertThrows(VrrpPacket.DecodeException.class, () -> VrrpPacket.decode(b, s, d, ttl, v6)).defect();
    }
}
