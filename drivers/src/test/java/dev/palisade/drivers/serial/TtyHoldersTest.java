package dev.palisade.drivers.serial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.PtyGetty;
import dev.palisade.drivers.testing.TestTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One end of a socat pty pair is held by socat alone (no getty); a real agetty started on it is found by its PID
 * and name beside socat.
 */
class TtyHoldersTest {
    @Test
    void aGettyOnTheLineIsFoundByItsPidAndName(@TempDir Path dir) throws Exception {
        try (PtyGetty pty = PtyGetty.open(dir)) {
            long self = ProcessHandle.current().pid();
            List<TtyHolders.Holder> before = TtyHolders.of(pty.line(), self);
            assertEquals(List.of("socat"), before.stream().map(TtyHolders.Holder::command).toList(), before.toString());
            assertTrue(before.stream().noneMatch(TtyHolders.Holder::getty));
            long pid = pty.startGetty();
            long end = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(10)).toNanos();
            List<TtyHolders.Holder> found = List.of();
            while (found.stream().noneMatch(TtyHolders.Holder::getty) && System.nanoTime() < end) {
                Thread.sleep(50);
                found = TtyHolders.of(pty.line(), self);
            }
            assertEquals(List.of(new TtyHolders.Holder(pid, "agetty")),
                    found.stream().filter(TtyHolders.Holder::getty).toList(), found.toString());
        }
    }
}
