package dev.palisade.drivers.libvirt;

/** The hypervisor connection is down or being re-established; the operation was not attempted. */
public final class HypervisorUnavailableException extends HypervisorException {
    public HypervisorUnavailableException(String message) {
        super(message);
    }
}
