package dev.palisade.fence.auth;

/** A key file that cannot be used; the message names the file and how to fix it. */
public final class KeyFileException extends Exception {
    public KeyFileException(String message) {
        super(message);
    }
}
