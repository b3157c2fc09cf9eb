package dev.palisade.fence.auth;

import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.ResultSeal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import org.bouncycastle.crypto.macs.HMac;

/**
 * Palisade's hardened authentication, carried in the stock 176-byte request so the same listeners and
 * ports serve it (docs/hardened-auth.md has the bytes). Its hash-type code, 0x80, is one stock
 * fence_virtd rejects, so a hardened request is never half-understood, and a hardened client accepts
 * only an authenticated answer, so neither side can be downgraded silently.
 *
 * <pre>
 *   request   bytes 0..111 as fence_req_t (hashtype = 0x80, random = 0), then in the 64-byte hash field:
 *     112  16  nonce        random per request (and per multicast copy)
 *     128   8  timestamp    milliseconds since the epoch, little-endian
 *     136   8  key id       first 8 bytes of HKDF(key, "... key id"): tells a wrong key from tampering
 *     144  32  mac          HMAC-SHA256(K_request, bytes 0..143)
 *   then on the stream:
 *     client -> server  Cc (32 random bytes)
 *     server -> client  HMAC(K_challenge, "S" || mac || Cc) || Cs (32 random bytes)
 *     client -> server  HMAC(K_challenge, "C" || mac || Cs)
 *     server -> client  the result (1 byte, or the host-list stream) || HMAC(K_result, mac || Cc || Cs || result)
 * </pre>
 */
public final class HardenedAuth {
    /** The hash-type byte of a hardened request (HMAC-SHA256, scheme v1). */
    public static final int HASH_TYPE = 0x80;
    public static final int NONCE_SIZE = 16;
    public static final int CHALLENGE_SIZE = 32;
    public static final int MAC_SIZE = 32;
    static final int NONCE_OFFSET = 112;
    static final int TIME_OFFSET = 128;
    static final int KEY_ID_OFFSET = 136;
    static final int MAC_OFFSET = 144;
    public static final Duration DEFAULT_SKEW = Duration.ofSeconds(30);

    private HardenedAuth() {
    }

    /** Outcome of verifying a hardened request, each with its own log line. */
    public enum Verdict {
        OK,
        /** Not a hardened request at all (a legacy hash type). */
        NOT_HARDENED,
        /** Made with another key (key id differs). */
        WRONG_KEY,
        /** Right key id, wrong MAC: the bytes were changed after signing. */
        TAMPERED,
        /** Timestamp outside the skew window. */
        STALE,
        /** A nonce seen within the window: a captured request sent again. */
        REPLAYED
    }

    /** Signs a request: hashtype 0x80, fresh nonce, the given time, key id and MAC. */
    public static FenceRequest sign(FenceRequest unsigned, HardenedKeys keys, long epochMillis) {
        byte[] b = unsigned.toBuilder().hashTypeByte(HASH_TYPE).random(new byte[FenceRequest.RANDOM_SIZE])
                .hash(new byte[FenceRequest.HASH_SIZE]).build().encode();
        byte[] nonce = new byte[NONCE_SIZE];
        Randomness.fill(nonce);
        System.arraycopy(nonce, 0, b, NONCE_OFFSET, NONCE_SIZE);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(TIME_OFFSET, epochMillis);
        System.arraycopy(keys.keyId(), 0, b, KEY_ID_OFFSET, HardenedKeys.KEY_ID_SIZE);
        HMac m = keys.requestMac();
        m.update(b, 0, MAC_OFFSET);
        m.doFinal(b, MAC_OFFSET);
        try {
            return FenceRequest.decode(b);
        } catch (dev.palisade.fence.wire.WireFormatException e) {
            throw new IllegalStateException("a request we encoded does not decode", e);
        }
    }

    /**
     * Verifies a hardened request: key id, MAC, timestamp within {@code skew} of {@code epochMillis}, and,
     * only for a request that passed all of those, a nonce not seen before.
     */
    public static Verdict verify(FenceRequest r, HardenedKeys keys, long epochMillis, Duration skew,
                                 ReplayCache replays, long nowNanos) {
        if (r.hashTypeByte() != HASH_TYPE) {
            return Verdict.NOT_HARDENED;
        }
        byte[] b = r.wireBytes();
        if (!keys.sameKeyId(b, KEY_ID_OFFSET)) {
            return Verdict.WRONG_KEY;
        }
        HMac m = keys.requestMac();
        m.update(b, 0, MAC_OFFSET);
        byte[] expected = new byte[MAC_SIZE];
        m.doFinal(expected, 0);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(b, MAC_OFFSET, MAC_OFFSET + MAC_SIZE))) {
            return Verdict.TAMPERED;
        }
        long sent = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(TIME_OFFSET);
        if (Math.abs(epochMillis - sent) > skew.toMillis()) {
            return Verdict.STALE;
        }
        if (!replays.firstSeen(Arrays.copyOfRange(b, NONCE_OFFSET, NONCE_OFFSET + NONCE_SIZE), nowNanos)) {
            return Verdict.REPLAYED;
        }
        return Verdict.OK;
    }

    /** The request's MAC, which binds the challenges and the result to this request. */
    public static byte[] requestMac(FenceRequest r) {
        return Arrays.copyOfRange(r.wireBytes(), MAC_OFFSET, MAC_OFFSET + MAC_SIZE);
    }

    /** The signed timestamp of a hardened request. */
    public static long timestamp(FenceRequest r) {
        return ByteBuffer.wrap(r.wireBytes()).order(ByteOrder.LITTLE_ENDIAN).getLong(TIME_OFFSET);
    }

    public static byte[] newChallenge() {
        byte[] c = new byte[CHALLENGE_SIZE];
        Randomness.fill(c);
        return c;
    }

    /** The server's proof: HMAC(K_challenge, "S" || requestMac || clientChallenge). */
    public static byte[] serverProof(HardenedKeys keys, byte[] requestMac, byte[] clientChallenge) {
        return proof(keys, (byte) 'S', requestMac, clientChallenge);
    }

    /** The client's proof: HMAC(K_challenge, "C" || requestMac || serverChallenge). */
    public static byte[] clientProof(HardenedKeys keys, byte[] requestMac, byte[] serverChallenge) {
        return proof(keys, (byte) 'C', requestMac, serverChallenge);
    }

    private static byte[] proof(HardenedKeys keys, byte role, byte[] requestMac, byte[] challenge) {
        HMac m = keys.challengeMac();
        m.update(role);
        m.update(requestMac, 0, requestMac.length);
        m.update(challenge, 0, challenge.length);
        byte[] out = new byte[MAC_SIZE];
        m.doFinal(out, 0);
        return out;
    }

    /** The result's MAC: HMAC(K_result, requestMac || Cc || Cs || resultBytes). */
    public static byte[] resultMac(HardenedKeys keys, byte[] requestMac, byte[] cc, byte[] cs, byte[] result) {
        HMac m = keys.resultMac();
        m.update(requestMac, 0, requestMac.length);
        m.update(cc, 0, cc.length);
        m.update(cs, 0, cs.length);
        m.update(result, 0, result.length);
        byte[] out = new byte[MAC_SIZE];
        m.doFinal(out, 0);
        return out;
    }

    /**
     * The result's MAC computed as the result goes by (a host list of any length is never held whole):
     * HMAC(K_result, requestMac || Cc || Cs || result bytes as they come).
     */
    public static ResultSeal resultSeal(HardenedKeys keys, byte[] requestMac, byte[] cc, byte[] cs) {
        HMac m = keys.resultMac();
        m.update(requestMac, 0, requestMac.length);
        m.update(cc, 0, cc.length);
        m.update(cs, 0, cs.length);
        return new ResultSeal() {
            @Override
            public void update(byte[] bytes, int offset, int length) {
                m.update(bytes, offset, length);
            }

            @Override
            public byte[] finish() {
                byte[] out = new byte[MAC_SIZE];
                m.doFinal(out, 0);
                return out;
            }
        };
    }

    /** Constant-time comparison. */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
