package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.PtyGetty;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.testing.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor on this machine: loopback stands in for the heartbeat NIC, /dev/null for a character device. */
class DoctorTest {
    @Test
    void reportsEachCheckWithTheFix(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "cluster.key");
        SupervisorConfig c = SupervisorConfig.from(Path.of("d.conf"), ConfigParser.parse("d.conf", """
                supervisor { node = "pf1"; peer = "pf2"; }
                auth { key_file = "%s"; }
                links {
                  serial { device = "/dev/null"; }
                  serial { device = "/dev/ttyNOPE9"; }
                  udp { interface = "lo"; peer = "127.0.0.2"; port = "6940"; }
                  udp { interface = "lo"; peer = "192.0.2.7"; port = "6941"; }
                  udp { interface = "nosuch0"; peer = "10.0.0.2"; port = "6942"; }
                }
                """.formatted(key)));
        List<Doctor.Check> checks = Doctor.examine(c, "pf1");
        assertTrue(checks.get(0).ok(), checks.get(0).what());
        assertTrue(checks.get(1).ok(), "host name matches the node");
        assertTrue(checks.get(2).ok(), checks.get(2).what());
        assertTrue(checks.get(3).ok() && checks.get(3).what().equals("no getty on serial /dev/null"), checks.get(3).what());
        assertFalse(checks.get(4).ok());
        assertTrue(checks.get(4).what().contains("does not exist"), checks.get(4).what());
        assertTrue(checks.stream().anyMatch(k -> k.ok() && k.what().contains("127.0.0.2 is on the interface's subnet")));
        assertTrue(checks.stream().anyMatch(k -> !k.ok() && k.what().contains("192.0.2.7 is not on any subnet")));
        assertTrue(checks.stream().anyMatch(k -> !k.ok() && k.what().contains("nosuch0 does not exist")));
        assertFalse(Doctor.examine(c, "pf2").get(1).ok(), "the peer's name is not this node");
        assertEquals(1, Doctor.print(checks, new java.io.PrintStream(new java.io.ByteArrayOutputStream())));
    }

    @Test
    void aGettyOnTheHeartbeatPortIsNamedWithTheCommandThatRemovesIt(@TempDir Path dir) throws Exception {
        try (PtyGetty pty = PtyGetty.open(dir)) {
            assertTrue(Doctor.gettyCheck(pty.line()).ok());
            long pid = pty.startGetty();
            String unit = "serial-getty@" + pty.line().toRealPath().getFileName() + ".service";
            long end = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(10)).toNanos();
            Doctor.Check c = Doctor.gettyCheck(pty.line());
            while (c.ok() && System.nanoTime() < end) {
                Thread.sleep(50);
                c = Doctor.gettyCheck(pty.line());
            }
            assertFalse(c.ok(), c.what());
            assertTrue(c.what().contains("is held by [agetty (pid " + pid + ")]"), c.what());
            assertTrue(c.what().contains("systemctl mask --now " + unit), c.what());
        }
    }
}
