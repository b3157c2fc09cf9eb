package dev.palisade.fence.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FenceRequestTest {

    private static byte[] valid() {
        return FenceRequest.builder().request(RequestCode.STATUS).hashType(HashType.SHA256).domain("vm1").seqno(7)
                .build().encode();
    }

    @Test
    void roundTripsEveryField() throws Exception {
        FenceRequest r = FenceRequest.builder().request(RequestCode.REBOOT).hashType(HashType.SHA512).flags(1)
                .domain("node-é").callback(new byte[] {10, 0, 0, 2}, 1229).random(new byte[] {1, 2, 3, 4, 5, 6})
                .seqno(0xfffffffeL).hash(new byte[] {9, 9}).build();
        FenceRequest d = FenceRequest.decode(r.encode());
        assertEquals(RequestCode.REBOOT, d.request());
        assertEquals(HashType.SHA512, d.hashType());
        assertEquals(1, d.flags());
        assertEquals("node-é", d.domain());
        assertArrayEquals(new byte[] {10, 0, 0, 2}, d.address());
        assertEquals(1229, d.port());
        assertEquals(0xfffffffeL, d.seqno());
        assertEquals(FenceRequest.AF_INET, d.family());
        assertArrayEquals(r.encode(), d.encode());
    }

    @Test
    void truncatedIsRejected() {
        WireFormatException e = assertThrows(WireFormatException.class, () -> FenceRequest.decode(new byte[175]));
        assertTrue(e.getMessage().contains("175"));
        assertThrows(WireFormatException.class, () -> FenceRequest.decode(new byte[0]));
    }

    @Test
    void oversizedIsRejected() {
        assertThrows(WireFormatException.class, () -> FenceRequest.decode(Arrays.copyOf(valid(), 177)));
    }

    @Test
    void sixtyFourCharacterNameHasNoNulAndIsRejected() {
        byte[] b = valid();
        Arrays.fill(b, FenceRequest.DOMAIN_OFFSET, FenceRequest.DOMAIN_OFFSET + 64, (byte) 'a');
        WireFormatException e = assertThrows(WireFormatException.class, () -> FenceRequest.decode(b));
        assertTrue(e.getMessage().contains("NUL"));
    }

    @Test
    void sixtyThreeCharacterNameIsTheLongestAccepted() throws Exception {
        String name = "a".repeat(63);
        assertEquals(name, FenceRequest.decode(FenceRequest.builder().domain(name).build().encode()).domain());
        assertThrows(IllegalArgumentException.class, () -> FenceRequest.builder().domain("a".repeat(64)));
    }

    @Test
    void nonUtf8NameIsRejected() {
        byte[] b = valid();
        b[FenceRequest.DOMAIN_OFFSET] = (byte) 0xff;
        assertThrows(WireFormatException.class, () -> FenceRequest.decode(b));
    }

    @Test
    void badAddressLengthIsRejected() {
        byte[] b = valid();
        b[2] = 5;
        assertThrows(WireFormatException.class, () -> FenceRequest.decode(b));
    }

    @Test
    void familyContradictingAddressLengthIsRejected() {
        byte[] b = FenceRequest.builder().callback(new byte[4], 1229).build().encode();
        b[FenceRequest.FAMILY_OFFSET] = 10;
        assertThrows(WireFormatException.class, () -> FenceRequest.decode(b));
    }

    @Test
    void unknownRequestAndHashCodesDecodeButAreFlagged() throws Exception {
        byte[] b = valid();
        b[0] = 42;
        b[1] = 9;
        FenceRequest r = FenceRequest.decode(b);
        assertNull(r.request());
        assertNull(r.hashType());
        assertEquals(42, r.requestByte());
        assertEquals(9, r.hashTypeByte());
    }

    @Test
    void hostStateIsZeroFilledAndAlwaysTerminated() throws Exception {
        HostState h = new HostState("x".repeat(70), "6695eb01-f6a4-8304-79aa-97f2502e193f", 1);
        byte[] e = h.encode();
        assertEquals(130, e.length);
        assertEquals(0, e[63], "name keeps its NUL");
        assertEquals(0, e[127], "uuid keeps its NUL");
        assertEquals(0, e[129], "pad is zero");
        HostState d = HostState.decode(e);
        assertEquals("x".repeat(63), d.domain());
        assertEquals(h.uuid(), d.uuid());
        assertEquals(1, d.state());
        String name = "test";
        byte[] small = new HostState(name, "u", 5).encode();
        for (int i = name.length(); i < 64; i++) {
            assertEquals(0, small[i]);
        }
        assertTrue(new String(small, 0, 4, StandardCharsets.US_ASCII).equals("test"));
    }

    @Test
    void hostStateOfWrongSizeIsRejected() {
        assertThrows(WireFormatException.class, () -> HostState.decode(new byte[129]));
        assertTrue(HostState.isTerminator(new byte[130]));
    }
}
