package dev.palisade.supervisor.cluster.galera;

/** A Galera state file or recovery log that cannot be read as Galera writes it; {@link #defect()} says how. */
public final class GaleraStateException extends Exception {
    /** What is wrong with the input. */
    public enum Defect {
        /** Larger than any state file Galera writes (a wrong file, or a disk error). */
        TOO_LARGE,
        /** Not UTF-8/ASCII text (a NUL or another control character). */
        NOT_TEXT,
        /** A line that is not "key: value" where Galera writes one. */
        SYNTAX,
        /** A required key is missing. */
        MISSING,
        /** A key given twice. */
        DUPLICATE,
        /** A uuid that is not 8-4-4-4-12 hex digits. */
        UUID,
        /** A seqno that is not a whole number of at least -1. */
        SEQNO,
        /** safe_to_bootstrap other than 0 or 1. */
        FLAG,
        /** A view block that is not #vwbeg ... #vwend with a view_id. */
        VIEW
    }

    private final Defect defect;

    public GaleraStateException(Defect defect, String message) {
        super(message);
        this.defect = defect;
    }

    public Defect defect() {
        return defect;
    }
}
