package dev.palisade.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.NotifySocketListener;
import dev.palisade.drivers.testing.TestTime;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One installed unit's ExecStart run the way systemd runs it for {@code Type=notify}: {@code NOTIFY_SOCKET}
 * (and {@code WATCHDOG_USEC} when the unit sets {@code WatchdogSec=}, {@code JOURNAL_STREAM} for the
 * journal's priorities) in the environment, a listener that sees every message and its sender, SIGTERM to
 * stop. The configuration path in ExecStart is swapped for a loopback configuration of the test's own.
 */
final class UnitRun implements AutoCloseable {
    private final Path dir;
    private final String unit;
    private final NotifySocketListener listener;
    private final Process process;
    private final Path stderr;

    private UnitRun(String unitName, String configPath, Path config, Path dir) throws Exception {
        this.dir = dir;
        this.unit = Files.readString(Path.of("/lib/systemd/system/" + unitName));
        List<String> cmd = new ArrayList<>();
        for (String word : Debs.unitValue(unit, "ExecStart").orElseThrow().split("\\s+")) {
            cmd.add(word.equals(configPath) ? config.toString() : word);
        }
        assertTrue(cmd.contains(config.toString()), "ExecStart does not read " + configPath + ": " + cmd);
        listener = NotifySocketListener.bind(dir.resolve("notify"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NOTIFY_SOCKET", listener.address());
        pb.environment().put("JOURNAL_STREAM", "0:0");
        watchdog().ifPresent(ms -> pb.environment().put("WATCHDOG_USEC", String.valueOf(ms * 1000)));
        stderr = dir.resolve("stderr");
        pb.redirectError(stderr.toFile()).redirectOutput(dir.resolve("stdout").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        process = pb.start();
    }

    private java.util.Optional<Long> watchdog() {
        return Debs.unitValue(unit, "WatchdogSec").map(Debs::spanMillis);
    }

    private static Path scratch(String name) throws Exception {
        return Files.createTempDirectory("palisade-unit-" + name);
    }

    private static Path secret(Path file) throws Exception {
        Files.write(file, new java.security.SecureRandom().generateSeed(64));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** palisade.service with a one-link loopback pair member (its peer never answers). */
    static void supervisor() throws Exception {
        Path dir = scratch("supervisor");
        Path sock = dir.resolve("control.sock");
        Path conf = dir.resolve("palisade.conf");
        Files.writeString(conf, "supervisor { node = \"pf1\"; peer = \"pf2\"; keepalive = \"100ms\"; deadtime = \"1s\";"
                + " initdead = \"2s\"; control_socket = \"" + sock + "\"; }\n"
                + "auth { key_file = \"" + secret(dir.resolve("cluster.key")) + "\"; }\n"
                + "links { udp { peer = \"127.0.0.1\"; port = \"" + freePort() + "\"; bind = \"127.0.0.1\"; } }\n");
        try (UnitRun run = new UnitRun("palisade.service", "/etc/palisade/palisade.conf", conf, dir)) {
            run.ready();
            // a lone member whose peer never answers and that has no fencing is critical: ctl status says so in
            // the monitoring plugins' exit code (2), with the full status on stdout
            Commands.Result status = Debs.run(60_000, "/usr/sbin/palisade", "ctl", "-s", sock.toString(), "status");
            assertEquals(2, status.exit(), status.toString());
            assertTrue(status.stdout().startsWith("node pf1: ") && status.stdout().contains("health: CRITICAL"),
                    status.toString());
            run.watchdogKeepalives();
            run.stop();
        }
    }

    /** palisade-fence-gateway.service with a TCP listener on loopback and libvirt's test driver. */
    static void gateway() throws Exception {
        Path dir = scratch("gateway");
        int port = freePort();
        Path key = secret(dir.resolve("fence_xvm.key"));
        Path conf = dir.resolve("fence_virt.conf");
        Files.writeString(conf, "fence_virtd { listener = \"tcp\"; backend = \"libvirt\"; }\n"
                + "listeners { tcp { address = \"127.0.0.1\"; port = \"" + port + "\"; key_file = \"" + key + "\"; } }\n"
                + "backends { libvirt { uri = \"test:///default\"; } }\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        try (UnitRun run = new UnitRun("palisade-fence-gateway.service", "/etc/fence_virt.conf", conf, dir)) {
            run.ready();
            run.nettyTransportFrom("/usr/lib/palisade/fence-gateway/native/");
            var r = Debs.run(60_000, "/usr/sbin/fence_palisade", "-T", "127.0.0.1", "-p", String.valueOf(port),
                    "-k", key.toString(), "-o", "status", "-H", "test");
            assertEquals(0, r.exit(), "fence_palisade -o status against the unit's gateway: " + r);
            run.watchdogKeepalives();
            run.stop();
        }
    }

    /**
     * Netty's epoll transport is the package's own copy (java.library.path in the launcher), not one Netty
     * unpacked into /tmp at start.
     */
    private void nettyTransportFrom(String dir) throws Exception {
        String maps = Files.readString(Path.of("/proc/" + process.pid() + "/maps"));
        assertTrue(maps.contains(dir + "libnetty_transport_native_epoll_x86_64.so"),
                "the epoll transport is not mapped from " + dir + ": " + maps.lines()
                        .filter(l -> l.contains("netty")).toList());
    }

    /** READY=1 with a status line, from the main process itself, within the unit's start timeout. */
    private void ready() throws Exception {
        long startMs = Debs.spanMillis(Debs.unitValue(unit, "TimeoutStartSec").orElse("90s"));
        var ready = listener.await(m -> m.has("READY"), TestTime.scaled(Duration.ofMillis(startMs)))
                .orElseThrow(() -> new AssertionError("no READY=1 within TimeoutStartSec; " + diagnostics()));
        assertEquals("1", ready.get("READY"));
        assertFalse(ready.get("STATUS") == null || ready.get("STATUS").isBlank(), "READY=1 without STATUS=");
        assertEquals(process.pid(), ready.pid(), "NotifyAccess=main: READY=1 must come from the main process");
        // the launcher keeps NOTIFY_SOCKET away from what the service starts (MariaDB speaks sd_notify too)
        String environ = new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/environ")),
                StandardCharsets.UTF_8);
        assertFalse(Arrays.asList(environ.split("\0")).stream().anyMatch(v -> v.startsWith("NOTIFY_SOCKET=")),
                "children would inherit NOTIFY_SOCKET");
    }

    /** With WatchdogSec=: WATCHDOG=1 keeps arriving at half the interval at least. Without it: none is sent. */
    private void watchdogKeepalives() throws Exception {
        var watchdog = watchdog();
        if (watchdog.isEmpty()) {
            Thread.sleep(TestTime.millis(1000));
            assertTrue(listener.with("WATCHDOG").isEmpty(), "WATCHDOG=1 without WatchdogSec=");
            return;
        }
        long interval = watchdog.get();
        Thread.sleep(TestTime.millis(interval * 2));
        List<NotifySocketListener.Message> pings = listener.with("WATCHDOG");
        assertTrue(pings.size() >= 3, "keepalives in two watchdog intervals: " + pings.size());
        long last = listener.with("READY").get(0).nanos();
        for (var p : pings) {
            long gapMs = (p.nanos() - last) / 1_000_000;
            assertTrue(gapMs <= TestTime.millis(interval / 2 + 200), "a keepalive came " + gapMs + " ms after the"
                    + " one before; WatchdogSec=" + interval + " ms wants one every " + interval / 2 + " ms");
            last = p.nanos();
        }
    }

    /** SIGTERM: STOPPING=1 and an exit the unit counts as success, within its stop timeout. */
    private void stop() throws Exception {
        process.destroy();
        long stopMs = Debs.spanMillis(Debs.unitValue(unit, "TimeoutStopSec").orElse("90s"));
        assertTrue(process.waitFor(TestTime.millis(stopMs), TimeUnit.MILLISECONDS), "still running after "
                + stopMs + " ms; " + diagnostics());
        listener.await(m -> m.has("STOPPING"), TestTime.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("no STOPPING=1; " + diagnostics()));
        String success = Debs.unitValue(unit, "SuccessExitStatus").orElse("");
        int exit = process.exitValue();
        assertTrue(exit == 0 || Arrays.asList(success.split("\\s+")).contains(String.valueOf(exit)),
                "exit " + exit + " is a failure for systemd (SuccessExitStatus=" + success + ")");
        // journald reads each line's priority: every line the service wrote carries one
        for (String line : Files.readAllLines(stderr)) {
            assertTrue(line.matches("<[0-7]>.*"), "a log line without its syslog priority: " + line);
        }
    }

    private String diagnostics() {
        try {
            return "messages " + listener.messages() + "; stderr:\n" + Files.readString(stderr);
        } catch (java.io.IOException e) {
            return "messages " + listener.messages();
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        listener.close();
        dev.palisade.drivers.testing.Scratch.deleteTree(dir);
    }
}
