package dev.palisade.supervisor.cluster.galera;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/** What the Galera file readers share: the size and text checks, uuids and seqnos as Galera writes them. */
final class GaleraText {
    /** A grastate.dat is about 130 bytes, a gvwstate.dat under 1 KiB per ten members; anything far larger is not one. */
    static final int MAX_FILE = 64 * 1024;
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private GaleraText() {
    }

    static String text(byte[] raw, String what) throws GaleraStateException {
        if (raw.length > MAX_FILE) {
            throw new GaleraStateException(GaleraStateException.Defect.TOO_LARGE, what + " is " + raw.length
                    + " bytes, more than any Galera state file (" + MAX_FILE + ")");
        }
        for (byte b : raw) {
            if (b == 0 || (b < 0x20 && b != '\n' && b != '\r' && b != '\t') || b == 0x7f) {
                throw new GaleraStateException(GaleraStateException.Defect.NOT_TEXT, what + " holds a control byte 0x"
                        + Integer.toHexString(b & 0xff) + ": not a Galera state file");
            }
        }
        return new String(raw, StandardCharsets.UTF_8);
    }

    static UUID uuid(String v, String what) throws GaleraStateException {
        if (!UUID_TEXT.matcher(v).matches()) {
            throw new GaleraStateException(GaleraStateException.Defect.UUID, what + " '" + v
                    + "' is not a uuid (8-4-4-4-12 hex digits)");
        }
        return UUID.fromString(v);
    }

    static long seqno(String v, String what) throws GaleraStateException {
        try {
            long s = Long.parseLong(v);
            if (s < -1) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new GaleraStateException(GaleraStateException.Defect.SEQNO, what + " '" + v
                    + "' is not a seqno (a whole number, -1 for unknown)");
        }
    }
}
