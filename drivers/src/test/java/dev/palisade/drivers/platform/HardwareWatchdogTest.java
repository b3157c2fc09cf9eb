package dev.palisade.drivers.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No watchdog device can be loaded here (no kernel modules: softdog is out of reach), so the device is a
 * regular file that records what the watchdog API's user writes to it: the bytes are the protocol (any byte
 * is a keepalive, a final 'V' the magic close), and the ioctl that sets the timeout fails with ENOTTY as it
 * does on a device whose driver cannot change it.
 */
class HardwareWatchdogTest {
    @TempDir
    Path dir;

    @Test
    void openKicksOnceEachKickWritesAndCloseEndsWithTheMagicV() throws Exception {
        Path device = Files.createFile(dir.resolve("watchdog"));
        HardwareWatchdog w = HardwareWatchdog.open(device, Duration.ofSeconds(10));
        assertTrue(w.timeout().isEmpty(), "a file cannot tell a timeout");
        w.kick();
        w.kick();
        w.close();
        w.close(); // a second orderly stop writes nothing more
        w.kick(); // nor does a kick after it
        assertEquals("...V", Files.readString(device));
    }

    @Test
    void aMissingDeviceIsNamed() {
        Path missing = dir.resolve("no-watchdog");
        IOException e = assertThrows(IOException.class, () -> HardwareWatchdog.open(missing, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
