package dev.palisade.supervisor.node;

import java.util.concurrent.Callable;

/**
 * Blocking work off the node loop (a fence device's call, a resource's start, stop or monitor): one call at a
 * time, in order, each with its own deadline inside the device or resource; the result is handed back on the
 * loop. Production runs each lane on its own thread ({@link ThreadLane}); the simulation in virtual time.
 */
public interface Lane {
    /** How a call ended, handed to the loop: a value, or the exception the work threw. */
    interface Done<T> {
        void accept(T value, Exception failure);
    }

    <T> void call(Callable<T> work, Done<T> done);
}
