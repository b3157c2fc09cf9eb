package dev.palisade.fence.listener;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A transport that receives fence requests: it decodes and verifies them, runs the conversation, and hands
 * each authenticated request to the request runner. Every listener runs beside the others in one process.
 */
public interface FenceListener extends AutoCloseable {

    /** Short description for logs and status, e.g. {@code tcp 127.0.0.1:1229 (legacy ...)}. */
    String describe();

    /** The listener's name alone, e.g. {@code tcp 127.0.0.1:1229}. */
    String name();

    /**
     * Binds (joins, connects) and starts serving; returns once ready. If the listener later stops serving on
     * its own (its socket failed, its thread died), {@code down} is told once, with why; the daemon then
     * closes it and starts it again. A listener can be started again after {@link #close()}.
     */
    void start(Consumer<Throwable> down) throws IOException;

    /** Stops receiving and drops the conversations in progress. */
    @Override
    void close();
}
