package dev.palisade.fence.wire;

import java.util.Locale;

/**
 * fence_virt's {@code fence_hash_t} and {@code fence_auth_type_t}: the digest used to sign a request and
 * to answer a challenge. The two enums share their values (xvm.h), so one type serves both.
 */
public enum HashType {
    NONE(0, null, 0),
    SHA1(1, "SHA-1", 20),
    SHA256(2, "SHA-256", 32),
    SHA512(3, "SHA-512", 64);

    /** values() copies its array on every call; the decoders look codes up once per request. */
    private static final HashType[] ALL = values();

    private final int code;
    private final String algorithm;
    private final int length;

    HashType(int code, String algorithm, int length) {
        this.code = code;
        this.algorithm = algorithm;
        this.length = length;
    }

    public byte byteValue() {
        return (byte) code;
    }

    public int code() {
        return code;
    }

    /** JCA digest name, or null for NONE. */
    public String algorithm() {
        return algorithm;
    }

    /** Digest length in bytes (0 for NONE). */
    public int length() {
        return length;
    }

    /** The hash type with this wire code, or null when the code is not one fence_virt defines. */
    public static HashType fromCode(int code) {
        for (HashType h : ALL) {
            if (h.code == code) {
                return h;
            }
        }
        return null;
    }

    /** Parses the configuration spelling: none, sha1, sha256, sha512; null when unknown. */
    public static HashType fromName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "sha1" -> SHA1;
            case "sha256" -> SHA256;
            case "sha512" -> SHA512;
            default -> null;
        };
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
