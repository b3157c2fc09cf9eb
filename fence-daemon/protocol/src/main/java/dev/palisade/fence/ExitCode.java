package dev.palisade.fence;

/** Exit codes of every Palisade command (s6 convention for the failures). */
public final class ExitCode {
    public static final int OK = 0;
    /** Usage or configuration error: nothing will change until the operator fixes it. */
    public static final int USAGE = 100;
    /** System error (cannot bind, cannot read a file): may succeed when retried. */
    public static final int SYSTEM = 111;

    private ExitCode() {
    }
}
