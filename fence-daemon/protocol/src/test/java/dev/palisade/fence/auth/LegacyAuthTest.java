package dev.palisade.fence.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LegacyAuthTest {
    private static final FenceKey KEY = FenceKey.of("secret key\n".getBytes());

    private static FenceRequest req() {
        return FenceRequest.builder().request(RequestCode.OFF).domain("vm").seqno(99).build();
    }

    @ParameterizedTest
    @EnumSource(value = HashType.class, names = {"SHA1", "SHA256", "SHA512"})
    void signedRequestVerifies(HashType h) {
        FenceRequest s = LegacyAuth.sign(req(), h, KEY);
        assertEquals(h, s.hashType());
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(s, h, KEY));
        assertFalse(Arrays.equals(new byte[6], s.random()), "random filled");
        // digest is H(key || packet with zero hash), zero-padded to 64
        byte[] tail = Arrays.copyOfRange(s.hash(), h.length(), 64);
        assertArrayEquals(new byte[64 - h.length()], tail);
    }

    @Test
    void weakerHashThanMinimumIsRejected() {
        assertEquals(LegacyAuth.Verdict.WEAKER_THAN_REQUIRED,
                LegacyAuth.verify(LegacyAuth.sign(req(), HashType.SHA1, KEY), HashType.SHA256, KEY));
        assertEquals(LegacyAuth.Verdict.WEAKER_THAN_REQUIRED,
                LegacyAuth.verify(LegacyAuth.sign(req(), HashType.NONE, KEY), HashType.SHA256, KEY));
    }

    @Test
    void unsignedAcceptedOnlyWhenMinimumIsNone() {
        assertEquals(LegacyAuth.Verdict.OK, LegacyAuth.verify(LegacyAuth.sign(req(), HashType.NONE, KEY), HashType.NONE, KEY));
    }

    @Test
    void tamperedOrWrongKeyIsMismatch() {
        FenceRequest s = LegacyAuth.sign(req(), HashType.SHA256, KEY);
        FenceRequest tampered = s.toBuilder().domain("other").build();
        assertEquals(LegacyAuth.Verdict.MISMATCH, LegacyAuth.verify(tampered, HashType.SHA256, KEY));
        assertEquals(LegacyAuth.Verdict.MISMATCH, LegacyAuth.verify(s, HashType.SHA256, FenceKey.of("x".getBytes())));
    }

    @Test
    void nonZeroPaddingAfterDigestIsMismatch() {
        FenceRequest s = LegacyAuth.sign(req(), HashType.SHA256, KEY);
        byte[] h = s.hash();
        h[63] = 1;
        assertEquals(LegacyAuth.Verdict.MISMATCH, LegacyAuth.verify(s.toBuilder().hash(h).build(), HashType.SHA256, KEY));
    }

    @Test
    void unknownHashTypeIsFlagged() {
        FenceRequest s = req().toBuilder().hashTypeByte(7).build();
        assertEquals(LegacyAuth.Verdict.UNKNOWN_HASH, LegacyAuth.verify(s, HashType.NONE, KEY));
    }

    @Test
    void challengeResponseIsHashOfKeyAndChallengePadded() throws Exception {
        byte[] c = LegacyAuth.newChallenge();
        assertEquals(64, c.length);
        byte[] r = LegacyAuth.response(HashType.SHA256, KEY, c);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(KEY.bytes());
        assertArrayEquals(Arrays.copyOf(md.digest(c), 64), r);
        assertTrue(LegacyAuth.checkResponse(HashType.SHA256, KEY, c, r));
        assertFalse(LegacyAuth.checkResponse(HashType.SHA512, KEY, c, r));
        assertFalse(LegacyAuth.checkResponse(HashType.SHA256, KEY, c, Arrays.copyOf(r, 63)));
        assertThrows(IllegalArgumentException.class, () -> LegacyAuth.response(HashType.NONE, KEY, c));
    }

    private static Path keyFile(Path dir, byte[] content, String mode) throws Exception {
        Path k = dir.resolve("k");
        Files.write(k, content);
        Files.setPosixFilePermissions(k, PosixFilePermissions.fromString(mode));
        return k;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void keyFileIsReadRawWithTrailingNewline(@TempDir Path dir) throws Exception {
        byte[] content = (java.util.HexFormat.of().formatHex(random(32)) + "\n").getBytes();
        FenceKey key = FenceKey.load(keyFile(dir, content, "rw-------"));
        assertArrayEquals(content, key.bytes());
        assertEquals(16, key.fingerprint().length());
        assertFalse(key.toString().contains(new String(content, 0, 8)));
        assertFalse(key.madeByKeygen());
    }

    @Test
    void keyFileLongerThan4096BytesIsCutAndReadOnlyIsFine(@TempDir Path dir) throws Exception {
        assertEquals(4096, FenceKey.load(keyFile(dir, random(5000), "r--------")).length());
    }

    @Test
    void keyFileReadableByOthersOrExecutableIsRefusedWithTheFix(@TempDir Path dir) throws Exception {
        for (String mode : new String[] {"rw-r--r--", "rw-rw----", "rwx------", "-w-------"}) {
            Path k = keyFile(dir, random(64), mode);
            KeyFileException e = assertThrows(KeyFileException.class, () -> FenceKey.load(k), mode);
            assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
            Files.delete(k);
        }
    }

    @Test
    void keyFileNotOwnedByRootIsRefused(@TempDir Path dir) throws Exception {
        Path k = keyFile(dir, random(64), "rw-------");
        Files.setAttribute(k, "unix:uid", 4242);
        KeyFileException e = assertThrows(KeyFileException.class, () -> FenceKey.load(k));
        assertTrue(e.getMessage().contains("chown root:root"), e.getMessage());
    }

    @Test
    void shortOrNonRandomKeysAreRefusedWithTheFix(@TempDir Path dir) throws Exception {
        KeyFileException shortKey = assertThrows(KeyFileException.class,
                () -> FenceKey.load(keyFile(dir, "secret\n".getBytes(), "rw-------")));
        assertTrue(shortKey.getMessage().contains("at least 32 random bytes"), shortKey.getMessage());
        assertTrue(shortKey.getMessage().contains("palisade fence-keygen"), shortKey.getMessage());
        Files.delete(dir.resolve("k"));
        KeyFileException flat = assertThrows(KeyFileException.class,
                () -> FenceKey.load(keyFile(dir, new byte[4096], "rw-------")));
        assertTrue(flat.getMessage().contains("does not look random"), flat.getMessage());
    }

    @Test
    void missingOrEmptyKeyFileIsRefused(@TempDir Path dir) throws Exception {
        assertThrows(KeyFileException.class, () -> FenceKey.load(dir.resolve("none")));
        assertThrows(KeyFileException.class, () -> FenceKey.load(keyFile(dir, new byte[0], "rw-------")));
    }

    @Test
    void randomKeysPassTheEntropyEstimate() {
        assertTrue(FenceKey.entropyBits(random(32)) >= FenceKey.MIN_ENTROPY_BITS);
        assertTrue(FenceKey.entropyBits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes()) < 1);
    }

    @Test
    void paddingAfterTheNameIsCoveredByTheLegacySignatureAsReceived() throws Exception {
        byte[] b = LegacyAuth.sign(req(), HashType.SHA256, KEY).encode();
        b[FenceRequest.DOMAIN_OFFSET + 10] = 7; // after "vm" and its NUL
        assertEquals(LegacyAuth.Verdict.MISMATCH, LegacyAuth.verify(FenceRequest.decode(b), HashType.SHA256, KEY));
    }
}
