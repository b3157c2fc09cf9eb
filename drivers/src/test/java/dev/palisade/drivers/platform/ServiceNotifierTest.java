package dev.palisade.drivers.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.NotifySocketListener;
import dev.palisade.drivers.testing.TestTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceNotifierTest {
    private static final Duration WAIT = TestTime.scaled(Duration.ofSeconds(5));
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    /** The listener is checked against the stock client first, so the notifier is judged by a trusted ear. */
    @Test
    void theListenerHearsTheStockSystemdNotifyOnAFileAndAnAbstractSocket() throws Exception {
        String systemdNotify = Commands.require("systemd-notify");
        try (NotifySocketListener file = NotifySocketListener.bind(dir.resolve("notify"));
                NotifySocketListener abs = NotifySocketListener.bindAbstract("palisade-test-" + PID)) {
            for (NotifySocketListener l : List.of(file, abs)) {
                ProcessBuilder pb = new ProcessBuilder(systemdNotify, "--no-block", "--ready", "--status=stock client")
                        .redirectErrorStream(true);
                pb.environment().put("NOTIFY_SOCKET", l.address());
                Process p = pb.start();
                // --no-block: without it systemd-notify waits on a BARRIER=1 file descriptor this ear never closes
                assertTrue(p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
                var m = l.await(x -> x.has("READY"), WAIT).orElseThrow();
                assertEquals("1", m.get("READY"));
                assertEquals("stock client", m.get("STATUS"));
                assertTrue(m.pid() > 0, "the sender's credentials arrive (SO_PASSCRED)");
            }
        }
    }

    @Test
    void readyStatusExtendAndStoppingArriveFromThisProcess() throws Exception {
        try (NotifySocketListener l = NotifySocketListener.bind(dir.resolve("notify"));
                ServiceNotifier n = ServiceNotifier.create(l.address(), null, null, PID, System::nanoTime)) {
            assertTrue(n.enabled());
            n.ready("STANDBY, peer ACTIVE, 2/2 links");
            n.status("STANDBY, peer ACTIVE, 2/2 links"); // unchanged: not resent
            n.status("ACTIVE, peer STANDBY, 2/2 links");
            n.extendTimeout(Duration.ofSeconds(90));
            n.stopping("stopping");
            var stop = l.await(m -> m.has("STOPPING"), WAIT).orElseThrow();
            List<NotifySocketListener.Message> all = l.messages();
            assertEquals(4, all.size(), all.toString());
            assertEquals("READY=1\nSTATUS=STANDBY, peer ACTIVE, 2/2 links", all.get(0).text());
            assertEquals("STATUS=ACTIVE, peer STANDBY, 2/2 links", all.get(1).text());
            assertEquals("EXTEND_TIMEOUT_USEC=90000000", all.get(2).text());
            assertEquals("stopping", stop.get("STATUS"));
            for (var m : all) {
                assertEquals(PID, m.pid(), "NotifyAccess=main accepts only the main process");
            }
        }
    }

    @Test
    void anAbstractAddressWorks() throws Exception {
        try (NotifySocketListener l = NotifySocketListener.bindAbstract("palisade-notifier-" + PID);
                ServiceNotifier n = ServiceNotifier.create(l.address(), null, null, PID, System::nanoTime)) {
            n.ready("up");
            assertEquals("up", l.await(m -> m.has("READY"), WAIT).orElseThrow().get("STATUS"));
        }
    }

    @Test
    void watchdogKeepalivesArePacedToAQuarterOfTheTimeout() throws Exception {
        AtomicLong now = new AtomicLong(0);
        try (NotifySocketListener l = NotifySocketListener.bind(dir.resolve("notify"));
                ServiceNotifier n = ServiceNotifier.create(l.address(), "2000000", String.valueOf(PID), PID, now::get)) {
            assertEquals(Duration.ofSeconds(2), n.watchdogTimeout().orElseThrow());
            assertEquals(Duration.ofSeconds(1), n.keepaliveEvery().orElseThrow());
            // a loop turning every 100 ms for 3 s: a keepalive at 0, 500, 1000, ... 2500 ms
            for (int t = 0; t <= 2900; t += 100) {
                now.set(TimeUnit.MILLISECONDS.toNanos(t));
                n.watchdog();
            }
            n.send("MARK=end");
            l.await(m -> m.has("MARK"), WAIT).orElseThrow();
            assertEquals(6, l.with("WATCHDOG").size(), l.messages().toString());
        }
    }

    @Test
    void noWatchdogForAnotherProcessOrWithoutASetting() {
        assertTrue(ServiceNotifier.watchdogTimeout("2000000", "1", 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout(null, null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout("", null, 2).isEmpty());
        assertEquals(Duration.ofMillis(500), ServiceNotifier.watchdogTimeout("500000", "", 2).orElseThrow());
    }

    @Test
    void malformedWatchdogSettingsAreIgnored() {
        assertTrue(ServiceNotifier.watchdogTimeout("soon", null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout("0", null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout("-5", null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout("99999999999999999999", null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout(String.valueOf(Long.MAX_VALUE), null, 2).isEmpty());
        assertTrue(ServiceNotifier.watchdogTimeout("1000", "pid", 2).isEmpty());
    }

    @Test
    void withoutNotifySocketEverythingIsANoOp() {
        ServiceNotifier n = ServiceNotifier.create(null, "1000000", null, PID, System::nanoTime);
        assertFalse(n.enabled());
        n.ready("x");
        n.watchdog();
        n.stopping("y");
        assertFalse(n.send("READY=1"));
        assertFalse(ServiceNotifier.create("relative/path", null, null, PID, System::nanoTime).enabled());
    }

    @Test
    void aManagerThatIsGoneNeverThrowsIntoTheCaller() throws Exception {
        Path gone = dir.resolve("gone");
        try (ServiceNotifier n = ServiceNotifier.create(gone.toString(), "1000000", null, PID, System::nanoTime)) {
            assertFalse(n.send("READY=1"));
            n.ready("x");
            n.watchdog();
            n.status("y");
            n.stopping("z");
        }
        // a socket that was there and went away
        NotifySocketListener l = NotifySocketListener.bind(dir.resolve("notify"));
        ServiceNotifier n = ServiceNotifier.create(l.address(), null, null, PID, System::nanoTime);
        assertTrue(n.send("READY=1"));
        l.close();
        assertFalse(n.send("STATUS=after"));
        n.close();
        assertFalse(n.send("STATUS=closed"));
        assertFalse(Files.exists(dir.resolve("notify")));
    }

    @Test
    void aStatusIsOneBoundedLine() {
        assertEquals("a; b c", ServiceNotifier.oneLine("a\r\nb\tc"));
        assertEquals(ServiceNotifier.MAX_STATUS, ServiceNotifier.oneLine("x".repeat(5000)).length());
        assertEquals("", ServiceNotifier.oneLine(null));
        String clean = "ACTIVE, peer STANDBY, 2/2 links";
        assertTrue(clean == ServiceNotifier.oneLine(clean), "a clean line is passed on as it is");
    }
}
