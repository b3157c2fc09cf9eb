package dev.palisade.fence.backend;

import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResponseCode;
import java.util.List;
import java.util.Optional;

/**
 * What a hypervisor backend does for the fence gateway: fence_virtd's backend callbacks, typed. Each call
 * may block on the hypervisor; the request runner runs it on a worker with a deadline, so an implementation
 * need not enforce one itself. Results are the one-byte wire responses, plus UNKNOWN_DOMAIN for a domain no
 * hypervisor knows, which each listener says the way its request's scheme can.
 */
public interface FenceBackend extends AutoCloseable {

    /** Name used in logs and configuration ({@code backends/<name>}). */
    String name();

    /** The null operation: fence_virtd answers FAIL, and so do we. */
    default ResponseCode nullOp(String vm) {
        return ResponseCode.FAIL;
    }

    /** Powers the domain off. Already off: SUCCESS. Unknown: UNKNOWN_DOMAIN. */
    ResponseCode off(String vm, String source, long seqno) throws BackendException;

    /** Powers the domain on. Already on: SUCCESS. Unknown: UNKNOWN_DOMAIN. */
    ResponseCode on(String vm, String source, long seqno) throws BackendException;

    /** Off, wait until off, on again. A domain that is off stays off and answers SUCCESS. Unknown: UNKNOWN_DOMAIN. */
    ResponseCode reboot(String vm, String source, long seqno) throws BackendException;

    /**
     * SUCCESS when the domain runs (or is paused), OFF when it is shut off, UNKNOWN_DOMAIN when no hypervisor
     * knows it (the stock protocol says OFF for that; the hardened one says it as it is).
     */
    ResponseCode status(String vm) throws BackendException;

    /** SUCCESS when the backend can reach its hypervisor right now, FAIL otherwise. */
    ResponseCode devstatus();

    /** Every domain, active and inactive, sorted by name case-insensitively. */
    List<HostState> hostlist() throws BackendException;

    /** The domain {@code vm} names (by name or UUID), for access checks; empty when unknown. */
    Optional<HostState> describe(String vm) throws BackendException;

    @Override
    void close();
}
