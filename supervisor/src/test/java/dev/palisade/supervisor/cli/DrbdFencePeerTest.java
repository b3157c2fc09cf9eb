package dev.palisade.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.node.ControlSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DRBD's fence-peer handler contract (drbd.conf(5); drbd_nl.c conn_try_outdate_peer): 3 peer Inconsistent, 4
 * peer Outdated, 5 peer unreachable and assumed dead, 6 peer Primary, 7 peer fenced. DRBD resumes I/O on 3, 4,
 * 5 and 7 and marks the peer Outdated on 4, 5 and 7; any other code is "fence-peer helper broken" and I/O stays
 * frozen. So the handler answers 7 only when the peer's power was verified off, and every failure exits
 * outside 3..7: a failure to fence must never let DRBD write on alone.
 */
class DrbdFencePeerTest {
    private record Run(int exit, String out, String err) {
    }

    private static Run handler(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = SupervisorCommand.drbdFencePeer(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    private static void assertDrbdKeepsIoFrozen(Run r) {
        assertFalse(r.exit() >= 3 && r.exit() <= 7, "exit " + r.exit() + " lets DRBD resume I/O: " + r);
        assertTrue(r.exit() != 0, r.toString());
    }

    @Test
    void noSupervisorAnsweringKeepsIoFrozen(@TempDir Path dir) {
        Run r = handler("-s", dir.resolve("nobody.sock").toString());
        assertDrbdKeepsIoFrozen(r);
        assertTrue(r.err().contains("NOT fenced"), r.err());
    }

    @Test
    void aFenceThatFailedKeepsIoFrozen(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("control.sock");
        try (ControlSocket s = ControlSocket.open(sock, line -> "error: pf2 NOT fenced: every level failed (1200 ms)")) {
            assertDrbdKeepsIoFrozen(handler("-s", sock.toString()));
        }
    }

    @Test
    void aVerifiedFenceIsSeven(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("control.sock");
        try (ControlSocket s = ControlSocket.open(sock,
                line -> "fenced: pf2 fenced: power verified off by level 1 in 80 ms")) {
            assertEquals(7, handler("-s", sock.toString()).exit());
        }
    }

    @Test
    void aConfigurationErrorKeepsIoFrozen(@TempDir Path dir) {
        assertDrbdKeepsIoFrozen(handler("-f", dir.resolve("missing.conf").toString()));
    }
}
