package dev.palisade.fence.backend;

import java.util.List;

/**
 * The running domains and their XML, for listeners that find their callers in it (serial and vmchannel
 * sockets, vsock CIDs). Served by the backend's own hypervisor connection owner: a listener never holds a
 * raw hypervisor connection.
 */
public interface DomainDirectory {

    /** A running (or paused) domain and its live XML. */
    record RunningDomain(String name, String uuid, String xml) {
    }

    List<RunningDomain> running() throws BackendException;
}
