package dev.palisade.supervisor.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.TestTime;
import dev.palisade.supervisor.cli.PalisadeProcess;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.status.LoopbackPair;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code palisade console} as an operator meets it on a serial line: the console process runs on one end of a
 * socat pty pair, a scripted terminal types on the other, and two real supervisors answer on loopback.
 */
class ConsoleTest {
    private static final String PROMPT = "pf1 \\((ACTIVE|STANDBY|RELEASING|STARTING)\\)> ";

    private static Process console(PtyDriver tty, LoopbackPair pair) throws Exception {
        Process p = tty.start(PalisadeProcess.command("console", "-f", pair.config(0).toString()));
        tty.expect("pf1 \\(ACTIVE\\)> ", 30_000);
        return p;
    }

    @Test
    void completionQuestionMarkUniquePrefixesAndTheMenu(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false).startBoth(); PtyDriver tty = new PtyDriver(dir)) {
            Process p = console(tty, pair);
            try {
                tty.type("st?");
                tty.expect("status +this node, the peer", 5000);
                tty.expect("standby +hand the group to the peer", 5000);
                tty.expect("st", 5000); // the line is redrawn with what was typed; ? itself is not inserted
                tty.type("\u0015"); // Ctrl-U
                tty.type("fen\t");
                tty.expect("fence-history", 5000); // the only completion
                tty.type("\r");
                tty.expect("no fences recorded", 5000);
                tty.type("maintenance ?");
                tty.expect("  on\\r?\\n  off", 5000);
                tty.type("\u0015li\r"); // a unique prefix of links
                tty.expect("udp 127\\.0\\.0\\.2:[0-9]+ +up +last frame [0-9]+ ms ago", 5000);
                tty.type("s\r");
                tty.expect("'s' is ambiguous: status, standby, switchover", 5000);
                tty.type("menu\r");
                tty.expect("1\\) Status", 5000);
                tty.expect("Enter an option: ", 5000);
                tty.type("3\r");
                tty.expect("ocf:heartbeat:Dummy[^\\n]*: RUNNING", 5000);
                tty.expect("Enter an option: ", 5000);
                tty.type("42\r");
                tty.expect("42 is not an option", 5000);
                tty.type("0\r");
                tty.expect(PROMPT, 5000);
                tty.type("exit\r");
                assertTrue(p.waitFor(TestTime.millis(10_000), TimeUnit.MILLISECONDS), "exit logs out");
                assertEquals(0, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aSwitchoverTypedAtTheConsoleMovesTheGroupAfterConfirmation(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false).startBoth(); PtyDriver tty = new PtyDriver(dir)) {
            Process p = console(tty, pair);
            try {
                tty.type("sw\r");
                tty.expect("switchover: type yes to confirm: ", 5000);
                tty.type("no\r");
                tty.expect("cancelled: nothing was changed", 5000);
                assertEquals(State.ACTIVE, pair.node(0).state(), "a refused confirmation changes nothing");
                tty.type("sw\r");
                tty.expect("switchover: type yes to confirm: ", 5000);
                tty.type("yes\r");
                tty.expect("ok: switchover", 10_000);
                LoopbackPair.await(() -> pair.node(1).state() == State.ACTIVE && pair.node(0).state() == State.STANDBY,
                        20_000, "pf2 ACTIVE after the switchover");
                tty.expect("% #[0-9]+ [-0-9: .]+ [A-Z]+ -> STANDBY: ", 10_000); // printed above the prompt
                tty.expect("pf1 \\(STANDBY\\)> ", 5000);
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void tenThousandBytesOfLineNoiseChangeNothing(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false).startBoth(); PtyDriver tty = new PtyDriver(dir)) {
            Process p = console(tty, pair);
            try {
                String before0 = ControlSocket.ask(pair.controlSocket(0), "events --last 100");
                String before1 = ControlSocket.ask(pair.controlSocket(1), "events --last 100");
                byte[] noise = new byte[10_000];
                new Random(17).nextBytes(noise);
                for (int i = 0; i < noise.length; i += 100) {
                    tty.send(java.util.Arrays.copyOfRange(noise, i, i + 100)); // about 9600 baud
                    Thread.sleep(100);
                }
                Thread.sleep(TestTime.millis(1500));
                assertTrue(p.isAlive(), "the console survived the noise");
                tty.type("\u0003\u0015");
                tty.mark();
                tty.type("status\r");
                tty.expect("node pf1: ACTIVE", 10_000);
                tty.expect("health: (OK|DEGRADED: fencing: [^\\r\\n]*)\\r?\\n", 5000); // no fencing plan on loopback
                assertEquals(State.ACTIVE, pair.node(0).state());
                assertEquals(State.STANDBY, pair.node(1).state());
                assertEquals(before0, ControlSocket.ask(pair.controlSocket(0), "events --last 100"),
                        "no transition on pf1");
                assertEquals(before1, ControlSocket.ask(pair.controlSocket(1), "events --last 100"),
                        "no transition on pf2");
                assertFalse(tty.screen().contains("ok: "), "no command that changes the pair ran");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void anIdleSessionReturnsToLogin(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false, "2s").startBoth(); PtyDriver tty = new PtyDriver(dir)) {
            Process p = console(tty, pair);
            try {
                long t0 = System.nanoTime();
                tty.expect("idle for 2 s: logging out", 15_000);
                assertTrue(p.waitFor(TestTime.millis(10_000), TimeUnit.MILLISECONDS), "the console ended");
                assertEquals(0, p.exitValue());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 1000, "not before the timeout: " + ms + " ms");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aTransitionWhileTypingIsPrintedAboveThePromptAndTheLineRedrawn(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false).startBoth(); PtyDriver tty = new PtyDriver(dir)) {
            Process p = console(tty, pair);
            try {
                tty.typeSlowly("sta", 50);
                tty.mark();
                assertTrue(ControlSocket.ask(pair.controlSocket(0), "standby").startsWith("ok: standby"));
                String event = tty.expect("% #[0-9]+ [-0-9: .]+ ACTIVE -> RELEASING: [^\\r\\n]*", 10_000);
                tty.expect("pf1 \\([A-Z]+\\)> sta", 5000); // the prompt and the half-typed line, redrawn
                tty.type("tus\r");
                tty.expect("node pf1: ", 10_000);
                assertTrue(event.contains("operator"), event);
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
