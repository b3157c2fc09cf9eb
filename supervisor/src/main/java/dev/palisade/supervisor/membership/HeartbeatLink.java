package dev.palisade.supervisor.membership;

import java.io.IOException;

/** One path to the peer (a serial cable, a UDP network). Sending never blocks for long; receiving runs on its own thread. */
public interface HeartbeatLink extends AutoCloseable {

    String name();

    /**
     * Opens the link and starts delivering received bytes (one frame, or a stream read) to the receiver, on a
     * thread that hands anything uncaught to {@code fatal}.
     */
    void start(Receiver receiver, dev.palisade.supervisor.node.FatalHandler fatal) throws IOException;

    /** Sends one encoded frame; a failure is reported, not thrown, so one dead link never stops the others. */
    boolean send(byte[] frame);

    @Override
    void close();

    /** Where a link hands what it received. */
    interface Receiver {
        /** A whole datagram (UDP). */
        void datagram(HeartbeatLink link, byte[] bytes, String from);

        /** A frame read from a stream (serial), or why the bytes were not one. */
        void streamFrame(HeartbeatLink link, HeartbeatFrame.Read read);

        /** The link changed state on its side (cable unplugged, device reopened). */
        void note(HeartbeatLink link, String what);
    }
}
