package dev.palisade.fence.wire;

/** The one-byte result fence_virtd writes after authentication (xvm.h {@code RESP_*}). */
public enum ResponseCode {
    SUCCESS(0),
    FAIL(1),
    OFF(2),
    PERM(3),
    /** Announces a host-list stream (0xFD). */
    HOSTLIST(253);

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

    /** The response with this wire code (unsigned byte), or null when unknown. */
    public static ResponseCode fromCode(int code) {
        for (ResponseCode r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
