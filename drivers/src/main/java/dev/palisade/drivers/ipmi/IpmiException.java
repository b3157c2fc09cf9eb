package dev.palisade.drivers.ipmi;

import java.io.IOException;

/** An IPMI exchange that failed, with what kind of failure it was so callers can choose what to do. */
public final class IpmiException extends IOException {
    /** What went wrong. */
    public enum Kind {
        /** The BMC did not answer within the deadline and retries. */
        TIMEOUT,
        /** RAKP 2's HMAC did not verify: the password is wrong (the BMC does not say so itself). */
        PASSWORD,
        /** RAKP 2 status 0x0D: the BMC has no such user. */
        UNKNOWN_USER,
        /** Open Session status 0x01 / 0x0B: the BMC's session table is full (sessions leaked by other clients). */
        NO_SESSION_SLOT,
        /** The BMC refused the cipher suite (status 0x04, 0x05, 0x10, 0x11). */
        CIPHER_SUITE,
        /** The privilege level could not be had (status 0x09 / 0x0A, completion code 0x80, 0x81, 0xD4). */
        PRIVILEGE,
        /** RAKP 4's ICV did not verify: a wrong BMC key (Kg). */
        BMC_KEY,
        /** A command answered a completion code other than 0. */
        COMPLETION_CODE,
        /** Anything else the BMC said that does not fit the protocol. */
        PROTOCOL
    }

    private final Kind kind;
    private final int code;

    public IpmiException(Kind kind, int code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    public IpmiException(Kind kind, String message) {
        this(kind, -1, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The completion code or RMCP+ status code, -1 when there is none. */
    public int code() {
        return code;
    }

    /** RMCP+ status codes (IPMI v2.0 §13.24, table 13-15). */
    static String statusText(int status) {
        return switch (status) {
            case 0x00 -> "no errors";
            case 0x01 -> "insufficient resources to create a session";
            case 0x02 -> "invalid session ID";
            case 0x03 -> "invalid payload type";
            case 0x04 -> "invalid authentication algorithm";
            case 0x05 -> "invalid integrity algorithm";
            case 0x06 -> "no matching authentication payload";
            case 0x07 -> "no matching integrity payload";
            case 0x08 -> "inactive session ID";
            case 0x09 -> "invalid role";
            case 0x0a -> "unauthorized role or privilege level requested";
            case 0x0b -> "insufficient resources to create a session at the requested role";
            case 0x0c -> "invalid name length";
            case 0x0d -> "unauthorized name";
            case 0x0e -> "unauthorized GUID";
            case 0x0f -> "invalid integrity check value";
            case 0x10 -> "invalid confidentiality algorithm";
            case 0x11 -> "no cipher suite match with proposed security algorithms";
            case 0x12 -> "illegal or unrecognized parameter";
            default -> String.format("status 0x%02x", status);
        };
    }

    static Kind kindOfStatus(int status) {
        return switch (status) {
            case 0x01, 0x0b -> Kind.NO_SESSION_SLOT;
            case 0x04, 0x05, 0x06, 0x07, 0x10, 0x11 -> Kind.CIPHER_SUITE;
            case 0x09, 0x0a -> Kind.PRIVILEGE;
            case 0x0c, 0x0d -> Kind.UNKNOWN_USER;
            case 0x0f -> Kind.PASSWORD;
            default -> Kind.PROTOCOL;
        };
    }
}
