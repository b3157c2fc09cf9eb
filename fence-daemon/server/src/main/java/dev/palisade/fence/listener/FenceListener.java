package dev.palisade.fence.listener;

/**
 * A transport that receives fence requests: it decodes and verifies them, then hands them to the
 * {@link RequestDispatcher}. Every listener runs beside the others in one process.
 */
public interface FenceListener extends AutoCloseable {

    /** Short description for logs, e.g. {@code tcp 127.0.0.1:1229}. */
    String describe();

    /** Binds and starts receiving; returns once the listener is ready for requests. */
    void start() throws java.io.IOException;

    /** Stops receiving and aborts in-flight requests of this listener. */
    @Override
    void close();
}
