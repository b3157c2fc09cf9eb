package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The check that nothing else holds a listener's port before the gateway shares it through SO_REUSEPORT. */
class PortProbeTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /**
     * A free port below the kernel's ephemeral range: the knocker's own connections take their source ports from
     * that range, and one that drew the probed port would connect to itself (TCP's simultaneous open) and look
     * accepted.
     */
    private static InetSocketAddress freePortOutsideTheEphemeralRange() throws IOException {
        String range;
        try (var in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            range = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        }
        int lowest = Integer.parseInt(range.split("\\s+")[0]);
        for (int port = lowest - 1; port > lowest - 2000 && port > 1024; port--) {
            try (ServerSocket s = new ServerSocket(port, 1, LOOPBACK)) {
                return new InetSocketAddress(LOOPBACK, s.getLocalPort());
            } catch (BindException taken) {
                // the next one
            }
        }
        throw new IOException("no free port below the ephemeral range " + range);
    }

    @Test
    void theProbeNeverListensSoNoClientIsAcceptedByASocketThatNobodyServes() throws Exception {
        InetSocketAddress at = freePortOutsideTheEphemeralRange();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger tries = new AtomicInteger();
        Thread knocker = new Thread(() -> {
            while (!stop.get()) {
                tries.incrementAndGet();
                try (Socket c = new Socket()) {
                    c.connect(at, 200);
                    accepted.incrementAndGet();
                } catch (IOException refused) {
                    // nothing listens: what a probe must leave
                }
            }
        }, "knocker");
        knocker.start();
        try {
            for (int i = 0; i < 5000; i++) {
                assertEquals(at, TcpListener.claimable(at));
            }
        } finally {
            stop.set(true);
            knocker.join();
        }
        assertEquals(0, accepted.get(), "of " + tries.get() + " connects, some reached a listening probe");
    }

    @Test
    void aPortSomebodyListensOnIsRefused() throws Exception {
        try (ServerSocket holder = new ServerSocket(0, 1, LOOPBACK)) {
            InetSocketAddress at = new InetSocketAddress(LOOPBACK, holder.getLocalPort());
            assertThrows(BindException.class, () -> TcpListener.claimable(at));
        }
    }

    @Test
    void portZeroBecomesThePortTheKernelChose() throws Exception {
        InetSocketAddress chosen = TcpListener.claimable(new InetSocketAddress(LOOPBACK, 0));
        assertNotEquals(0, chosen.getPort());
        assertEquals(LOOPBACK, chosen.getAddress());
    }
}
