package dev.palisade.fence.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientLoopTest {
    private static boolean clientThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("fence-client") && t.isAlive());
    }

    @Test
    void stopEndsTheLoopThreadSoThatAOneShotCommandExitsWithNoThreadInNativeCode() throws Exception {
        EventLoopGroup first = ClientLoop.group();
        first.submit(() -> { }).get(10, TimeUnit.SECONDS); // the loop's thread runs (and waits in epoll_wait)
        assertTrue(clientThreadAlive());

        ClientLoop.stop(10_000);

        assertTrue(first.isTerminated(), "stop returns once the loop has ended");
        assertFalse(clientThreadAlive(), "no client loop thread is left for the JVM's exit to wait on");

        EventLoopGroup second = ClientLoop.group();
        assertNotSame(first, second, "a client after stop gets a new loop");
        second.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void stopWithoutALoopDoesNothing() {
        ClientLoop.stop(10_000);
        ClientLoop.stop(10_000);
    }
}
