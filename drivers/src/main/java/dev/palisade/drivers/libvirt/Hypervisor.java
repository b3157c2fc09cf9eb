package dev.palisade.drivers.libvirt;

import java.util.List;
import java.util.Optional;

/**
 * The hypervisor operations fencing needs, and nothing more. Every call may block on the hypervisor;
 * callers that need a deadline run it on a worker and stop waiting (see the fence daemon's dispatcher).
 */
public interface Hypervisor extends AutoCloseable {

    /** All domains, active and inactive. */
    List<DomainRecord> domains() throws HypervisorException;

    /** The domain whose name or UUID string is exactly {@code nameOrUuid}, if any. */
    Optional<DomainRecord> lookup(String nameOrUuid) throws HypervisorException;

    /**
     * The raw libvirt state of the domain {@code nameOrUuid} names, or -1 when there is no such domain.
     * Cheaper than {@link #lookup} (two hypervisor calls instead of four): the status path uses it.
     */
    int state(String nameOrUuid) throws HypervisorException;

    /** The domain's live XML description ({@code virDomainGetXMLDesc}), or null when there is no such domain. */
    String xml(String nameOrUuid) throws HypervisorException;

    /** Hard power-off ({@code virDomainDestroy}). */
    void destroy(String nameOrUuid) throws HypervisorException;

    /** Power on a defined, shut-off domain ({@code virDomainCreate}). */
    void create(String nameOrUuid) throws HypervisorException;

    /** Whether the connection is up right now (false while reconnecting). */
    boolean connected();

    @Override
    void close();
}
