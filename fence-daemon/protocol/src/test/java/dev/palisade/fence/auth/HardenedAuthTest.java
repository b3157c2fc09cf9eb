package dev.palisade.fence.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.palisade.fence.testing.Golden;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HardenedAuthTest {
    private static final FenceKey KEY = FenceKey.of(Golden.key());
    private static final HardenedKeys KEYS = HardenedKeys.derive(KEY);
    private static final Duration SKEW = Duration.ofSeconds(30);
    private static final long NOW = 1_800_000_000_000L;

    private static FenceRequest unsigned() {
        return FenceRequest.builder().request(RequestCode.OFF).domain("appliance-a").seqno(7).build();
    }

    private static ReplayCache cache() {
        return new ReplayCache(Duration.ofSeconds(60).toNanos(), 1024);
    }

    /** HKDF-SHA256 outputs for the golden key, checked against an independent RFC 5869 implementation. */
    @Test
    void keyDerivationVectors() {
        HexFormat hex = HexFormat.of();
        assertEquals("e152a68da2b778b13c2d06c06ffa9732a526179494a67c081d8c5d8a3d56fec1",
                hex.formatHex(HardenedKeys.hkdf(Golden.key(), HardenedKeys.REQUEST)));
        assertEquals("080e71520b7db418a1c7cd7a248b67826f438a5376de6e253382e88dd69faa39",
                hex.formatHex(HardenedKeys.hkdf(Golden.key(), HardenedKeys.CHALLENGE)));
        assertEquals("6ad082d30bbcdd6a6c960776210e0a871a3fb1411d394fe9f178e93c2ab56f7b",
                hex.formatHex(HardenedKeys.hkdf(Golden.key(), HardenedKeys.RESULT)));
        assertEquals("e077c53c4b131747", hex.formatHex(KEYS.keyId()));
    }

    @Test
    void signedRequestVerifiesOnceThenIsAReplay() {
        FenceRequest r = HardenedAuth.sign(unsigned(), KEYS, NOW);
        assertEquals(HardenedAuth.HASH_TYPE, r.hashTypeByte());
        assertEquals(null, r.hashType(), "a code stock fence_virt does not know");
        ReplayCache c = cache();
        assertEquals(HardenedAuth.Verdict.OK, HardenedAuth.verify(r, KEYS, NOW + 1000, SKEW, c, 0));
        assertEquals(HardenedAuth.Verdict.REPLAYED, HardenedAuth.verify(r, KEYS, NOW + 2000, SKEW, c, 1));
    }

    @Test
    void everyFieldIsCovered() {
        FenceRequest r = HardenedAuth.sign(unsigned(), KEYS, NOW);
        byte[] b = r.encode();
        for (int i = 0; i < 144; i++) {
            if (i == 1 || i >= 136) {
                continue; // hash type (would no longer be hardened) and key id (reported as wrong key)
            }
            byte[] t = b.clone();
            t[i] ^= 0x01;
            FenceRequest tampered;
            try {
                tampered = FenceRequest.decode(t);
            } catch (dev.palisade.fence.wire.WireFormatException e) {
                continue; // a flip that breaks the format is refused even earlier
            }
            assertEquals(HardenedAuth.Verdict.TAMPERED, HardenedAuth.verify(tampered, KEYS, NOW, SKEW, cache(), 0),
                    "byte " + i);
        }
    }

    @Test
    void wrongKeyStaleAndLegacyAreToldApart() {
        FenceRequest r = HardenedAuth.sign(unsigned(), KEYS, NOW);
        HardenedKeys other = HardenedKeys.derive(FenceKey.of("another key of enough length, 32+".getBytes()));
        assertEquals(HardenedAuth.Verdict.WRONG_KEY, HardenedAuth.verify(r, other, NOW, SKEW, cache(), 0));
        assertEquals(HardenedAuth.Verdict.STALE, HardenedAuth.verify(r, KEYS, NOW + 31_000, SKEW, cache(), 0));
        assertEquals(HardenedAuth.Verdict.STALE, HardenedAuth.verify(r, KEYS, NOW - 31_000, SKEW, cache(), 0));
        assertEquals(HardenedAuth.Verdict.OK, HardenedAuth.verify(r, KEYS, NOW + 29_000, SKEW, cache(), 0));
        FenceRequest legacy = LegacyAuth.sign(unsigned(), HashType.SHA256, KEY);
        assertEquals(HardenedAuth.Verdict.NOT_HARDENED, HardenedAuth.verify(legacy, KEYS, NOW, SKEW, cache(), 0));
    }

    @Test
    void staleOrForgedRequestsDoNotFillTheReplayCache() {
        ReplayCache c = cache();
        FenceRequest r = HardenedAuth.sign(unsigned(), KEYS, NOW);
        HardenedAuth.verify(r, KEYS, NOW + 60_000, SKEW, c, 0);
        assertEquals(0, c.size());
        assertEquals(HardenedAuth.Verdict.OK, HardenedAuth.verify(r, KEYS, NOW, SKEW, c, 0));
    }

    @Test
    void replayCacheForgetsAfterTheWindowAndIsBounded() {
        ReplayCache c = new ReplayCache(1000, 4);
        byte[] n = new byte[16];
        assertEquals(true, c.firstSeen(n, 0));
        assertFalse(c.firstSeen(n, 500));
        assertEquals(true, c.firstSeen(n, 2000));
        for (int i = 1; i < 10; i++) {
            byte[] k = new byte[16];
            k[0] = (byte) i;
            c.firstSeen(k, 2000);
        }
        assertEquals(4, c.size());
    }

    @Test
    void proofsAndResultMacsAreBoundToRoleRequestAndChallenges() {
        byte[] mac = HardenedAuth.requestMac(HardenedAuth.sign(unsigned(), KEYS, NOW));
        byte[] mac2 = HardenedAuth.requestMac(HardenedAuth.sign(unsigned(), KEYS, NOW));
        byte[] c1 = HardenedAuth.newChallenge();
        byte[] c2 = HardenedAuth.newChallenge();
        assertNotEquals(HexFormat.of().formatHex(mac), HexFormat.of().formatHex(mac2), "fresh nonce per request");
        assertFalse(HardenedAuth.equal(HardenedAuth.serverProof(KEYS, mac, c1), HardenedAuth.clientProof(KEYS, mac, c1)));
        assertFalse(HardenedAuth.equal(HardenedAuth.serverProof(KEYS, mac, c1), HardenedAuth.serverProof(KEYS, mac2, c1)));
        byte[] ok = HardenedAuth.resultMac(KEYS, mac, c1, c2, new byte[] {0});
        assertFalse(HardenedAuth.equal(ok, HardenedAuth.resultMac(KEYS, mac, c1, c2, new byte[] {1})));
        assertArrayEquals(ok, HardenedAuth.resultMac(KEYS, mac, c1, c2, new byte[] {0}));
    }
}
