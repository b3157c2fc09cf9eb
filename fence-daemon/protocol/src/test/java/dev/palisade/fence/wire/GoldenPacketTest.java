package dev.palisade.fence.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.testing.Golden;
import org.junit.jupiter.api.Test;

/** Requests captured from the stock clients decode field by field, verify with their key, and re-encode byte for byte. */
class GoldenPacketTest {
    private static final FenceKey KEY = FenceKey.of(Golden.key());

    @Test
    void tcpStatusSha256FromFenceVirt() throws Exception {
        byte[] bytes = Golden.packet("tcp-status-sha256.txt");
        FenceRequest r = FenceRequest.decode(bytes);
        assertEquals(RequestCode.STATUS, r.request());
        assertEquals(HashType.SHA256, r.hashType());
        assertEquals(0, r.addrLen());
        assertEquals("appliance-b", r.domain());
        assertEquals(0, r.port());
        assertEquals(0, r.family());
        assertEquals(713523L, r.seqno());
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(r, HashType.SHA256, KEY));
        assertArrayEquals(bytes, r.encode());
    }

    @Test
    void tcpOffByUuidSha512() throws Exception {
        byte[] bytes = Golden.packet("tcp-off-uuid-sha512.txt");
        FenceRequest r = FenceRequest.decode(bytes);
        assertEquals(RequestCode.OFF, r.request());
        assertEquals(HashType.SHA512, r.hashType());
        assertEquals("22222222-2222-4222-8222-222222222222", r.domain());
        // sha512 is stronger than a sha256 minimum: accepted
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(r, HashType.SHA256, KEY));
        assertArrayEquals(bytes, r.encode());
    }

    @Test
    void tcpListSha1IsWeakerThanDefault() throws Exception {
        FenceRequest r = FenceRequest.decode(Golden.packet("tcp-list-sha1.txt"));
        assertEquals(RequestCode.HOSTLIST, r.request());
        assertEquals("", r.domain());
        assertEquals(LegacyAuth.Verdict.WEAKER_THAN_REQUIRED, LegacyAuth.verify(r, HashType.SHA256, KEY));
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(r, HashType.SHA1, KEY));
    }

    @Test
    void multicastRebootFromFenceXvm() throws Exception {
        byte[] bytes = Golden.packet("mcast-reboot-sha256.txt");
        FenceRequest r = FenceRequest.decode(bytes);
        assertEquals(RequestCode.REBOOT, r.request());
        assertEquals(4, r.addrLen());
        assertArrayEquals(new byte[] {127, 0, 0, 1}, r.address());
        assertEquals(1229, r.port());
        assertEquals(FenceRequest.AF_INET, r.family());
        assertEquals(373911L, r.seqno());
        assertEquals("appliance-a", r.domain());
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(r, HashType.SHA256, KEY));
        assertArrayEquals(bytes, r.encode());
    }

    @Test
    void wrongKeyDoesNotVerify() throws Exception {
        FenceRequest r = FenceRequest.decode(Golden.packet("tcp-status-sha256.txt"));
        assertEquals(LegacyAuth.Verdict.MISMATCH, LegacyAuth.verify(r, HashType.SHA256, FenceKey.of("other\n".getBytes())));
    }

    @Test
    void ourSignatureOfTheSamePacketMatchesTheStockClient() throws Exception {
        byte[] bytes = Golden.packet("mcast-reboot-sha256.txt");
        FenceRequest r = FenceRequest.decode(bytes);
        // Re-sign with the captured random bytes: digest must equal the stock client's.
        byte[] zeroHash = r.toBuilder().hash(new byte[64]).build().encode();
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(Golden.key());
        byte[] digest = md.digest(zeroHash);
        assertArrayEquals(java.util.Arrays.copyOf(digest, 64), r.hash());
    }
}
