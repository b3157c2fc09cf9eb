package dev.palisade.supervisor.resources;

import java.io.IOException;

/**
 * One managed resource (a mount, a database, a virtual address, an agent): the lifecycle every built-in and
 * every agent follows. {@link #start()} returns only when the resource is ready (the mount is visible, the
 * database answers); {@link #stop()} returns only when it is verified stopped, and throws otherwise: a stop
 * that did not stop is never success. Both are idempotent: starting a running resource and stopping a
 * stopped one succeed. Each call keeps its own deadline. A start refused because the data may be stale throws
 * {@link StartRefusedException}: retrying alone will not help.
 */
public interface Resource {
    /**
     * What a monitor found. A resource returns RUNNING, STOPPED or FAILED; UNKNOWN is what the supervisor
     * records when a monitor could not tell (it threw): unknown may be running.
     */
    enum Status { RUNNING, STOPPED, FAILED, UNKNOWN }

    String name();

    void start() throws IOException;

    void stop() throws IOException;

    Status monitor() throws IOException;

    /**
     * Why this resource would refuse to start now (data that may be stale), or null when it may start. Asked
     * while the group waits after a refused start, to know when to try again.
     */
    default String startBlocker() throws IOException {
        return null;
    }
}
