package dev.palisade.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The IPMI message layer against the bytes ipmitool and ipmi_sim exchanged (ipmi.md §5). */
class IpmiMessageTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void getChassisStatusRequestIsWhatIpmitoolSent() {
        // rsAddr 20 | netFn 00 (chassis) | cksum E0 | rqAddr 81 | rqSeq 6 << 2 = 18 | cmd 01 | cksum 66
        assertArrayEquals(hex("20 00 E0 81 18 01 66"), IpmiMessage.request(IpmiMessage.NETFN_CHASSIS, 0x01, 6,
                new byte[0]));
    }

    @Test
    void chassisStatusResponseDecodes() throws Exception {
        // rqAddr 81 | netFn 01 (chassis response) << 2 = 04 | cksum 7B | rsAddr 20 | rqSeq 18 | cmd 01 | cc 00 |
        // power state 01 (on) | last event 00 | misc 00 | cksum C6
        IpmiMessage.Response r = IpmiMessage.decodeResponse(hex("81 04 7B 20 18 01 00 01 00 00 C6"));
        assertTrue(r.answers(IpmiMessage.NETFN_CHASSIS, 0x01, 6));
        assertFalse(r.answers(IpmiMessage.NETFN_CHASSIS, 0x01, 7), "another rqSeq is another request");
        assertEquals(0, r.completionCode());
        assertArrayEquals(hex("01 00 00"), r.data());
    }

    @Test
    void responseBuiltForARequestDecodesBack() throws Exception {
        byte[] req = IpmiMessage.request(IpmiMessage.NETFN_APP, 0x3b, 63, new byte[] {4});
        assertArrayEquals(new byte[] {4}, IpmiMessage.requestData(req));
        IpmiMessage.Response r = IpmiMessage.decodeResponse(IpmiMessage.response(req, 0xd4, new byte[] {9}));
        assertTrue(r.answers(IpmiMessage.NETFN_APP, 0x3b, 63));
        assertEquals(0xd4, r.completionCode());
        assertEquals("Insufficient privilege level", IpmiMessage.completionText(r.completionCode()));
    }

    @Test
    void malformedResponsesAreRefusedWithTheReason() {
        assertTrue(refused(hex("81 04 7B 20 18 01 00")).contains("at least 8"));
        assertTrue(refused(hex("81 04 7B 20 18 01 00 01 00 00 C7")).contains("checksum"));
        assertTrue(refused(hex("81 04 7C 20 18 01 00 01 00 00 C6")).contains("checksum"));
        assertTrue(refused(hex("82 04 7A 20 18 01 00 01 00 00 C6")).contains("addressed to 0x82"));
        // a request (even netFn) looped back is not a response
        byte[] req = IpmiMessage.request(0x00, 0x01, 6, new byte[] {0});
        req[0] = (byte) 0x81;
        req[2] = (byte) (-(0x81 + req[1]));
        assertTrue(refused(req).contains("is a request"));
        assertThrows(RmcpPacket.PacketException.class, () -> IpmiMessage.requestData(hex("20 00 E0 81 18 01 67")));
    }

    @Test
    void sequenceWindowAcceptsEachNumberOnce() {
        IpmiSession.SequenceWindow w = new IpmiSession.SequenceWindow();
        assertFalse(w.accept(0), "0 is never a session sequence number");
        assertTrue(w.accept(5));
        assertFalse(w.accept(5), "replay");
        assertTrue(w.accept(7));
        assertTrue(w.accept(6), "late but new");
        assertFalse(w.accept(6));
        assertTrue(w.accept(100));
        assertFalse(w.accept(60), "older than the window");
        assertTrue(w.accept(90));
    }

    private static String refused(byte[] b) {
        return assertThrows(RmcpPacket.PacketException.class, () -> IpmiMessage.decodeResponse(b)).getMessage();
    }
}
