package dev.palisade.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every captured packet decodes, verifies and (for the session part) re-encodes to the same bytes. */
class RmcpPacketTest {

    private static RakpKeys keysOf(RakpKeysTest.Session s, CipherSuite suite) {
        byte[] rakp1 = s.payload(4);
        byte[] rakp2 = s.payload(5);
        return new RakpKeys(suite, RakpKeys.kuid("fencepass"), null, Arrays.copyOfRange(rakp1, 8, 24),
                Arrays.copyOfRange(rakp2, 8, 24), rakp1[24] & 0xff, "fence");
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"SUITE_3", "SUITE_17"})
    void capturedSessionsDecodeAndReencode(CipherSuite suite) throws Exception {
        RakpKeysTest.Session s = RakpKeysTest.session(suite);
        RakpKeys keys = keysOf(s, suite);
        assertEquals(RmcpPacket.OPEN_SESSION_REQUEST, RmcpPacket.decode(s.packets().get(2), null, null).payloadType());
        assertEquals(RmcpPacket.RAKP_4, RmcpPacket.decode(s.packets().get(7), null, null).payloadType());
        for (int i = 8; i < s.packets().size(); i++) {
            byte[] wire = s.packets().get(i);
            RmcpPacket p = RmcpPacket.decode(wire, keys, suite);
            assertEquals(RmcpPacket.IPMI_MESSAGE, p.payloadType());
            assertTrue(p.encrypted() && p.authenticated());
            byte[] iv = Arrays.copyOfRange(wire, 16, 32);
            assertArrayEquals(wire, p.encode(keys, iv), "packet " + i + " re-encodes byte for byte");
        }
    }

    @Test
    void forgedTruncatedAndMalformedPacketsAreRefused() throws Exception {
        CipherSuite suite = CipherSuite.SUITE_3;
        RakpKeysTest.Session s = RakpKeysTest.session(suite);
        RakpKeys keys = keysOf(s, suite);
        byte[] good = s.packets().get(9);
        byte[] flipped = good.clone();
        flipped[20] ^= 1;
        assertTrue(msg(flipped, keys).contains("AuthCode mismatch"));
        assertTrue(msg(Arrays.copyOf(good, good.length - 1), keys).contains("authenticated packet of"));
        assertTrue(msg(Arrays.copyOf(good, 10), keys).contains("not an RMCP"));
        byte[] len = good.clone();
        len[14] = (byte) 0xff;
        assertTrue(msg(len, keys).contains("runs past"));
        byte[] authType = good.clone();
        authType[4] = 0;
        assertTrue(msg(authType, keys).contains("not RMCP+"));
        RakpKeys other = new RakpKeys(suite, RakpKeys.kuid("otherpass"), null, new byte[16], new byte[16], 0x14, "fence");
        assertTrue(msg(good, other).contains("AuthCode mismatch"), "another session's keys");
        assertTrue(assertThrows(RmcpPacket.PacketException.class, () -> RmcpPacket.decode(good, null, null))
                .getMessage().contains("before the session has keys"));
    }

    private static String msg(byte[] b, RakpKeys keys) {
        return assertThrows(RmcpPacket.PacketException.class, () -> RmcpPacket.decode(b, keys, CipherSuite.SUITE_3))
                .getMessage();
    }
}
