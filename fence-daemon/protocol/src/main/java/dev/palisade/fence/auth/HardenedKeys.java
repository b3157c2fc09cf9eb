package dev.palisade.fence.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The keys of the hardened scheme, derived from the key file with HKDF-SHA256 (RFC 5869), one label per
 * purpose, so a MAC made for one purpose can never be passed off as another (docs/hardened-auth.md).
 */
public final class HardenedKeys {
    static final byte[] SALT = "palisade-fence-v1".getBytes(StandardCharsets.US_ASCII);
    static final String REQUEST = "palisade fence v1 request";
    static final String CHALLENGE = "palisade fence v1 challenge";
    static final String RESULT = "palisade fence v1 result";
    static final String KEY_ID = "palisade fence v1 key id";
    public static final int KEY_ID_SIZE = 8;

    private final byte[] request;
    private final byte[] challenge;
    private final byte[] result;
    private final byte[] keyId;

    private HardenedKeys(byte[] ikm) {
        this.request = hkdf(ikm, REQUEST);
        this.challenge = hkdf(ikm, CHALLENGE);
        this.result = hkdf(ikm, RESULT);
        this.keyId = Arrays.copyOf(hkdf(ikm, KEY_ID), KEY_ID_SIZE);
    }

    public static HardenedKeys derive(FenceKey key) {
        return new HardenedKeys(key.raw());
    }

    /** Identifies the key (not secret: a one-way function of it), so a wrong key is told apart from tampering. */
    public byte[] keyId() {
        return keyId.clone();
    }

    boolean sameKeyId(byte[] other, int off) {
        int diff = 0;
        for (int i = 0; i < KEY_ID_SIZE; i++) {
            diff |= keyId[i] ^ other[off + i];
        }
        return diff == 0;
    }

    HMac requestMac() {
        return mac(request);
    }

    HMac challengeMac() {
        return mac(challenge);
    }

    HMac resultMac() {
        return mac(result);
    }

    private static HMac mac(byte[] key) {
        HMac m = new HMac(new SHA256Digest());
        m.init(new KeyParameter(key));
        return m;
    }

    static byte[] hkdf(byte[] ikm, String info) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(ikm, SALT, info.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[32];
        g.generateBytes(out, 0, out.length);
        return out;
    }
}
