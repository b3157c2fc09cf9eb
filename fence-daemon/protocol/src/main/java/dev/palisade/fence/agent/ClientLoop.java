package dev.palisade.fence.agent;

import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.transport.Transport;
import io.netty.channel.EventLoopGroup;

/**
 * The clients' event loop: one thread for the whole process, made on first use. A fence client waits on one
 * conversation at a time per caller, and a single loop drives many of them.
 */
final class ClientLoop {
    private ClientLoop() {
    }

    private static final class Holder {
        static final EventLoopGroup GROUP = Transport.get().group(1, FenceThreads.factory("client"));
    }

    static EventLoopGroup group() {
        return Holder.GROUP;
    }
}
