package dev.palisade.fence.wire;

/** Bytes that are not a valid fence_virt message; the message says which field and why. */
public final class WireFormatException extends Exception {
    public WireFormatException(String message) {
        super(message);
    }
}
