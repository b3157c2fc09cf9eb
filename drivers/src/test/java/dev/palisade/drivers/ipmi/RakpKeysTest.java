package dev.palisade.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The RAKP exchange and packet protection against sessions captured between ipmitool and a BMC
 * (ipmi_sim for suite 3, a SHA-256 responder for suite 17): user "fence", password "fencepass", no Kg.
 */
class RakpKeysTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The captured packets of one suite (index = the capture's line number) and its derived keys. */
    record Session(List<byte[]> packets, byte[] sik, byte[] k1, byte[] k2) {
        /** The payload of packet {@code i} (after the 16-byte RMCP and session headers). */
        byte[] payload(int i) {
            byte[] p = packets.get(i);
            int len = (p[14] & 0xff) | (p[15] & 0xff) << 8;
            return Arrays.copyOfRange(p, 16, 16 + len);
        }
    }

    static Session session(CipherSuite suite) throws IOException {
        String marker = "## Suite " + suite.id() + " ";
        List<byte[]> packets = new ArrayList<>();
        byte[][] keys = new byte[3][];
        boolean in = false;
        try (InputStream s = RakpKeysTest.class.getResourceAsStream("/ipmi/rmcpp-vectors.txt")) {
            for (String line : new String(s.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("## ")) {
                    in = line.startsWith(marker);
                    continue;
                }
                if (!in) {
                    continue;
                }
                String[] w = line.trim().split("\\s+");
                if (w.length == 3 && w[0].matches("\\d\\d")) {
                    packets.add(HEX.parseHex(w[2]));
                } else if (w.length >= 3 && w[1].equals("=")) {
                    int k = switch (w[0]) {
                        case "SIK" -> 0;
                        case "K1" -> 1;
                        default -> 2;
                    };
                    keys[k] = HEX.parseHex(w[2]);
                }
            }
        }
        return new Session(packets, keys[0], keys[1], keys[2]);
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"SUITE_3", "SUITE_17"})
    void rakpCodesAndSessionKeysMatchTheCapture(CipherSuite suite) throws Exception {
        Session s = session(suite);
        byte[] kuid = RakpKeys.kuid("fencepass");
        byte[] rakp1 = s.payload(4);
        byte[] sidc = Arrays.copyOfRange(rakp1, 4, 8);
        byte[] rm = Arrays.copyOfRange(rakp1, 8, 24);
        int role = rakp1[24] & 0xff;
        String user = new String(rakp1, 28, rakp1[27] & 0xff, StandardCharsets.US_ASCII);
        assertEquals("fence", user);
        byte[] rakp2 = s.payload(5);
        byte[] sidm = Arrays.copyOfRange(rakp2, 4, 8);
        byte[] rc = Arrays.copyOfRange(rakp2, 8, 24);
        byte[] guid = Arrays.copyOfRange(rakp2, 24, 40);
        byte[] bmcCode = Arrays.copyOfRange(rakp2, 40, rakp2.length);
        assertEquals(suite.macLength(), bmcCode.length);

        // RAKP 2: the BMC proves it knows the password; a wrong password gives another code
        assertArrayEquals(bmcCode, RakpKeys.rakp2Hmac(suite, kuid, sidm, sidc, rm, rc, guid, role, user));
        assertFalse(RakpKeys.same(bmcCode, RakpKeys.rakp2Hmac(suite, RakpKeys.kuid("wrongpass"), sidm, sidc, rm,
                rc, guid, role, user)));

        RakpKeys keys = new RakpKeys(suite, kuid, null, rm, rc, role, user);
        assertArrayEquals(s.sik(), keys.sik());
        assertArrayEquals(s.k1(), keys.k1());
        assertArrayEquals(s.k2(), keys.k2());

        // RAKP 3 (console's proof) and RAKP 4 (BMC's integrity check value)
        byte[] rakp3 = s.payload(6);
        assertArrayEquals(Arrays.copyOfRange(rakp3, 8, rakp3.length), keys.rakp3Hmac(rc, sidm, role, user));
        byte[] rakp4 = s.payload(7);
        assertArrayEquals(Arrays.copyOfRange(rakp4, 8, rakp4.length), keys.rakp4Icv(rm, sidc, guid));

        // every session packet after RAKP: AuthCode over auth type .. next header, then the AES payload
        for (int i = 8; i < s.packets().size(); i++) {
            byte[] p = s.packets().get(i);
            int len = (p[14] & 0xff) | (p[15] & 0xff) << 8;
            int nextHeader = 16 + len + ((4 - (len + 2) % 4) % 4) + 2;
            byte[] code = Arrays.copyOfRange(p, nextHeader, p.length);
            assertArrayEquals(code, keys.authCode(p, 4, nextHeader), "packet " + i);
            byte[] msg = keys.decrypt(Arrays.copyOfRange(p, 16, 16 + len));
            // an IPMI LAN message: rsAddr, netFn/LUN, checksum over both
            assertEquals(0, (msg[0] + msg[1] + msg[2]) & 0xff, "header checksum of packet " + i);
            int sum = 0;
            for (int b = 3; b < msg.length; b++) {
                sum += msg[b];
            }
            assertEquals(0, sum & 0xff, "body checksum of packet " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"SUITE_3", "SUITE_17"})
    void encryptionRoundTripsAndTamperingIsCaught(CipherSuite suite) throws Exception {
        Session s = session(suite);
        RakpKeys keys = new RakpKeys(suite, RakpKeys.kuid("fencepass"), null, new byte[16], new byte[16], 0x14, "fence");
        byte[] msg = HEX.parseHex("200018814c003b04");
        byte[] enc = keys.encrypt(msg, new byte[16]);
        assertEquals(0, enc.length % 16);
        assertArrayEquals(msg, keys.decrypt(enc));
        byte[] bad = enc.clone();
        bad[bad.length - 1] ^= 0x55;
        assertThrows(GeneralSecurityException.class, () -> keys.decrypt(bad));
        assertThrows(GeneralSecurityException.class, () -> keys.decrypt(new byte[20]));
        assertTrue(s.packets().size() > 8);
    }
}
