package dev.palisade.supervisor.resources;

import java.io.IOException;

/**
 * One managed resource (a mount, a database, a virtual address, an agent): the lifecycle every built-in and
 * every agent follows. {@link #start()} returns only when the resource is ready (the mount is visible, the
 * database answers); {@link #stop()} returns only when it is verified stopped, and throws otherwise: a stop
 * that did not stop is never success. Both are idempotent: starting a running resource and stopping a
 * stopped one succeed. Each call keeps its own deadline.
 */
public interface Resource {
    /** What a monitor found. */
    enum Status { RUNNING, STOPPED, FAILED }

    String name();

    void start() throws IOException;

    void stop() throws IOException;

    Status monitor() throws IOException;
}
