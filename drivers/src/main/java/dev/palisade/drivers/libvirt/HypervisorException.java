package dev.palisade.drivers.libvirt;

/** A hypervisor operation failed; the message says what libvirt reported. */
public class HypervisorException extends Exception {
    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
