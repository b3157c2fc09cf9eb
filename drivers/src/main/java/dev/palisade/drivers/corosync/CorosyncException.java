package dev.palisade.drivers.corosync;

import java.io.IOException;

/** A Corosync library call that failed, did not answer in time, or found the connection gone. */
public final class CorosyncException extends IOException {
    private final int code;

    public CorosyncException(String call, int code) {
        super(call + ": " + CsError.describe(code));
        this.code = code;
    }

    public CorosyncException(String message) {
        super(message);
        this.code = 0;
    }

    /** The cs_error_t code, 0 when the call never returned (deadline, connection gone). */
    public int code() {
        return code;
    }

    static void check(String call, int rc) throws CorosyncException {
        if (rc != CsError.OK.code()) {
            throw new CorosyncException(call, rc);
        }
    }
}
