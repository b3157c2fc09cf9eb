package dev.palisade.fence.wire;

/**
 * The one-byte result fence_virtd writes after authentication (xvm.h {@code RESP_*}), and the one answer
 * only the hardened scheme gives (docs/hardened-auth.md).
 */
public enum ResponseCode {
    SUCCESS(0),
    FAIL(1),
    OFF(2),
    PERM(3),
    /**
     * Hardened scheme only: no hypervisor knows the domain. The stock protocol has no such answer: fence_virtd
     * says OFF to a status and FAIL to an action, which a fencing client may read as "fenced"
     * ({@link #onStockWire}).
     */
    UNKNOWN_DOMAIN(4),
    /** Announces a host-list stream (0xFD). */
    HOSTLIST(253);

    /** values() copies its array on every call; the decoders look codes up once per request. */
    private static final ResponseCode[] ALL = values();

    private final int code;

    ResponseCode(int code) {
        this.code = code;
    }

    public byte byteValue() {
        return (byte) code;
    }

    public int code() {
        return code;
    }

    /**
     * This answer as the stock protocol gives it, byte for byte as fence_virtd: an unknown domain is OFF to a
     * status request and FAIL to anything else; every other answer is unchanged.
     */
    public ResponseCode onStockWire(RequestCode request) {
        if (this != UNKNOWN_DOMAIN) {
            return this;
        }
        return request == RequestCode.STATUS ? OFF : FAIL;
    }

    /** The response with this wire code (unsigned byte), or null when unknown. */
    public static ResponseCode fromCode(int code) {
        for (ResponseCode r : ALL) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
