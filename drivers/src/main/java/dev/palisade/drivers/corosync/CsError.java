package dev.palisade.drivers.corosync;

/**
 * Corosync's {@code cs_error_t} ({@code corosync/corotypes.h}). Success is {@code CS_OK = 1}, not 0: every
 * call's result is compared with {@link #OK}.
 */
public enum CsError {
    OK(1), LIBRARY(2), VERSION(3), INIT(4), TIMEOUT(5), TRY_AGAIN(6), INVALID_PARAM(7), NO_MEMORY(8), BAD_HANDLE(9),
    BUSY(10), ACCESS(11), NOT_EXIST(12), NAME_TOO_LONG(13), EXIST(14), NO_SPACE(15), INTERRUPT(16),
    NAME_NOT_FOUND(17), NO_RESOURCES(18), NOT_SUPPORTED(19), BAD_OPERATION(20), FAILED_OPERATION(21),
    MESSAGE_ERROR(22), QUEUE_FULL(23), QUEUE_NOT_AVAILABLE(24), BAD_FLAGS(25), TOO_BIG(26), NO_SECTIONS(27),
    CONTEXT_NOT_FOUND(28), TOO_MANY_GROUPS(30), SECURITY(100);

    private final int code;

    CsError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The error a library call returned, or null for a code this version does not know. */
    public static CsError of(int code) {
        for (CsError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }

    /** {@code CS_ERR_TRY_AGAIN}-style name of a code, known or not. */
    public static String describe(int code) {
        CsError e = of(code);
        return e == null ? "cs_error " + code : e == OK ? "CS_OK" : "CS_ERR_" + e.name() + " (" + code + ")";
    }
}
