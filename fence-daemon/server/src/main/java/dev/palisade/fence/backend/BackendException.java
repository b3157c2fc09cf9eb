package dev.palisade.fence.backend;

/** The backend could not complete an operation; the request is answered with FAIL and this is logged. */
public final class BackendException extends Exception {
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackendException(String message) {
        super(message);
    }
}
