package dev.palisade.fence.auth;

import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * fence_virt's stock authentication (simple_auth.c): a request signed with {@code H(key || packet)} and a
 * 64-byte challenge answered with {@code H(key || challenge)}, zero-padded to 64 bytes. Every comparison
 * is constant-time and covers all 64 bytes, padding included.
 */
public final class LegacyAuth {
    /** Challenges and responses are always 64 bytes, whatever the hash (MAX_HASH_LENGTH). */
    public static final int CHALLENGE_SIZE = 64;

    private LegacyAuth() {
    }

    /** Outcome of verifying a request's signature. */
    public enum Verdict {
        OK,
        /** The hash-type byte is not one fence_virt defines. */
        UNKNOWN_HASH,
        /** Signed with a weaker hash than the listener's configured minimum (unsigned counts as weakest). */
        WEAKER_THAN_REQUIRED,
        /** The signature does not match the key. */
        MISMATCH,
        /** A signed request cannot be checked against an empty key. */
        EMPTY_KEY
    }

    /** Signs a request: fills random, zeroes the hash, and sets it to {@code H(key || packet)}. */
    public static FenceRequest sign(FenceRequest unsigned, HashType type, FenceKey key) {
        FenceRequest.Builder b = unsigned.toBuilder().hashType(type).hash(new byte[FenceRequest.HASH_SIZE]);
        if (type == HashType.NONE) {
            return b.build();
        }
        byte[] random = new byte[FenceRequest.RANDOM_SIZE];
        Randomness.fill(random);
        FenceRequest zeroed = b.random(random).build();
        byte[] digest = digest(type, key, zeroed.encode());
        return zeroed.toBuilder().hash(digest).build();
    }

    /**
     * Verifies a request against the listener's minimum hash: rejects unknown or weaker hash types, then
     * recomputes the digest over the packet with a zeroed hash field and compares all 64 bytes.
     */
    public static Verdict verify(FenceRequest request, HashType minimum, FenceKey key) {
        HashType type = request.hashType();
        if (type == null) {
            return Verdict.UNKNOWN_HASH;
        }
        if (type.code() < minimum.code()) {
            return Verdict.WEAKER_THAN_REQUIRED;
        }
        if (type == HashType.NONE) {
            return Verdict.OK;
        }
        if (key.length() == 0) {
            return Verdict.EMPTY_KEY;
        }
        // fence_virtd hashes the struct as received, with the hash field zeroed
        byte[] zeroed = request.wireBytes();
        Arrays.fill(zeroed, FenceRequest.HASH_OFFSET, FenceRequest.HASH_OFFSET + FenceRequest.HASH_SIZE, (byte) 0);
        byte[] expected = Arrays.copyOf(digest(type, key, zeroed), FenceRequest.HASH_SIZE);
        return MessageDigest.isEqual(expected, request.hash()) ? Verdict.OK : Verdict.MISMATCH;
    }

    /** A fresh 64-byte challenge. */
    public static byte[] newChallenge() {
        byte[] c = new byte[CHALLENGE_SIZE];
        Randomness.fill(c);
        return c;
    }

    /** The 64-byte answer to a challenge: {@code H(key || challenge)} zero-padded. */
    public static byte[] response(HashType type, FenceKey key, byte[] challenge) {
        if (type == HashType.NONE) {
            throw new IllegalArgumentException("no challenge/response with auth none");
        }
        return Arrays.copyOf(digest(type, key, challenge), CHALLENGE_SIZE);
    }

    /** Whether {@code answer} is the right response to {@code challenge}, compared in constant time. */
    public static boolean checkResponse(HashType type, FenceKey key, byte[] challenge, byte[] answer) {
        return answer.length == CHALLENGE_SIZE && MessageDigest.isEqual(response(type, key, challenge), answer);
    }

    /** {@code H(key || data)}. */
    static byte[] digest(HashType type, FenceKey key, byte[] data) {
        return key.keyedDigest(type.algorithm()).digest(data);
    }
}
