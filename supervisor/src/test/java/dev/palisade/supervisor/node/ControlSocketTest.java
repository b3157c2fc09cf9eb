package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket's framing: one line in, the answer out; bad and slow clients dropped cleanly. */
class ControlSocketTest {
    @Test
    void oneCommandLineInOneAnswerOutRootOnly(@TempDir Path dir) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Path sock = dir.resolve("run/control.sock");
        try (ControlSocket c = ControlSocket.open(sock, line -> {
            seen.add(line);
            return "ok: " + line;
        })) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("ok: status\n", ControlSocket.ask(sock, "status"));
            assertEquals("ok: maintenance on\n", ControlSocket.ask(sock, "  maintenance on  "));
            assertTrue(assertThrows(IOException.class, () -> ControlSocket.open(sock, l -> "x")).getMessage()
                    .contains("another supervisor answers"), "a second supervisor on the same socket is refused");
        }
        assertTrue(Files.notExists(sock), "the socket file is removed on close");
        assertEquals(List.of("status", "maintenance on"), seen);
        Files.createDirectories(sock.getParent());
        Files.writeString(sock, "stale");
        try (ControlSocket c = ControlSocket.open(sock, line -> "fresh")) {
            assertEquals("fresh\n", ControlSocket.ask(sock, "status"), "a stale socket file is replaced");
        }
    }

    @Test
    void oversizedSilentAndSlowClientsAreDroppedWithoutReachingTheHandler(@TempDir Path dir) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Path sock = dir.resolve("control.sock");
        try (ControlSocket c = ControlSocket.open(sock, line -> {
            seen.add(line);
            return "ok";
        })) {
            String oversized;
            try {
                oversized = raw(sock, "x".repeat(ControlSocket.MAX_LINE * 4) + "\n");
            } catch (IOException reset) {
                oversized = "reset"; // the answer raced the unread rest of the line: the connection was reset
            }
            assertTrue(oversized.equals("reset") || oversized.startsWith("error: no command"), oversized);
            assertEquals("error: no command (one line of at most 256 bytes)\n", raw(sock, ""));
            long t0 = System.nanoTime();
            try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                slow.write(ByteBuffer.wrap("stat".getBytes(StandardCharsets.US_ASCII))); // and never finishes
                ByteBuffer b = ByteBuffer.allocate(64);
                int n;
                try {
                    n = slow.read(b);
                } catch (IOException reset) {
                    n = -1;
                }
                assertTrue(n <= 0, "nothing answered to half a command");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 4000 && ms < 20_000, "the slow client was dropped at the 5 s deadline: " + ms + " ms");
            assertEquals("ok\n", ControlSocket.ask(sock, "status"), "and the socket still serves others");
        }
        assertEquals(List.of("status"), seen);
    }

    private static String raw(Path sock, String sent) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap(sent.getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            ByteBuffer b = ByteBuffer.allocate(4096);
            StringBuilder sb = new StringBuilder();
            while (ch.read(b) >= 0) {
                sb.append(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
                b.clear();
            }
            return sb.toString();
        }
    }

    @Test
    void twoSupervisorsStartedTogetherOverAStaleSocketNeverBothRun(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("control.sock");
        int both = 0;
        for (int round = 0; round < 300; round++) {
            try (java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel.open(
                    java.net.StandardProtocolFamily.UNIX)) {
                Files.deleteIfExists(sock);
                stale.bind(UnixDomainSocketAddress.of(sock)); // a supervisor that died: its socket file stays
            }
            java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
            List<ControlSocket> won = new CopyOnWriteArrayList<>();
            Runnable start = () -> {
                try {
                    go.await();
                    won.add(ControlSocket.open(sock, line -> "ok"));
                } catch (Exception refused) {
                    // the other one runs
                }
            };
            Thread a = new Thread(start);
            Thread b = new Thread(start);
            a.start();
            b.start();
            a.join();
            b.join();
            both += won.size() == 2 ? 1 : 0;
            assertTrue(won.size() >= 1, "round " + round + ": neither started");
            for (ControlSocket c : won) {
                c.close();
            }
        }
        assertEquals(0, both, "rounds in which two supervisors both ran");
    }
}
