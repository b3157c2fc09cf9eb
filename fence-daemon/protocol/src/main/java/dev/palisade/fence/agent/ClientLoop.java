package dev.palisade.fence.agent;

import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * The clients' event loop: one thread for the whole process, made on first use. A fence client waits on one
 * conversation at a time per caller, and a single loop drives many of them.
 */
public final class ClientLoop {
    private ClientLoop() {
    }

    private static EventLoopGroup group;

    static synchronized EventLoopGroup group() {
        if (group == null) {
            group = Transport.get().group(1, FenceThreads.factory("client"));
        }
        return group;
    }

    /**
     * Stops the loop, if there is one, and waits up to {@code millis} for its thread to end; a later client
     * makes a new one. A one-shot command calls it before {@code System.exit}: the JVM's exit waits about
     * 300 ms for any thread still in native code, and an idle loop sits in epoll_wait, so a fence agent that
     * exited with its loop running took 300 ms longer than its work.
     */
    public static void stop(long millis) {
        EventLoopGroup stopping;
        synchronized (ClientLoop.class) {
            stopping = group;
            group = null;
        }
        if (stopping == null) {
            return;
        }
        try {
            stopping.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS).await(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
