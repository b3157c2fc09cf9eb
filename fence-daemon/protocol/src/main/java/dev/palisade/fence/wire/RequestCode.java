package dev.palisade.fence.wire;

/** fence_virt's {@code fence_cmd_t} (xvm.h). METADATA and VALIDATEALL are client-local and never sent. */
public enum RequestCode {
    NULL(0, "null"),
    OFF(1, "off"),
    REBOOT(2, "reboot"),
    ON(3, "on"),
    STATUS(4, "status"),
    DEVSTATUS(5, "monitor"),
    HOSTLIST(6, "list");

    /** values() copies its array on every call; the decoders look codes up once per request. */
    private static final RequestCode[] ALL = values();

    private final int code;
    private final String action;

    RequestCode(int code, String action) {
        this.code = code;
        this.action = action;
    }

    public byte byteValue() {
        return (byte) code;
    }

    public int code() {
        return code;
    }

    /** The fence agent's action name for this request. */
    public String action() {
        return action;
    }

    /** Whether the request changes a domain's power state (and so needs the access map's consent). */
    public boolean changesPower() {
        return this == OFF || this == ON || this == REBOOT;
    }

    /** The request with this wire code, or null when unknown. */
    public static RequestCode fromCode(int code) {
        for (RequestCode r : ALL) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
