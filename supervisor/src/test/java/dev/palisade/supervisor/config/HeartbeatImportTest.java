package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigParser;
import dev.palisade.supervisor.cli.Palisade;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeartbeatImportTest {
    private static String res(String dir, String file) throws IOException {
        try (InputStream in = HeartbeatImportTest.class.getResourceAsStream("/heartbeat/" + dir + "/" + file)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static HeartbeatImport.Result convert(String dir, String node) throws IOException {
        return HeartbeatImport.convert(res(dir, "ha.cf"), res(dir, "haresources"), res(dir, "authkeys"), node,
                "/etc/palisade/cluster.key");
    }

    private static SupervisorConfig check(HeartbeatImport.Result r) throws Exception {
        return SupervisorConfig.from(Path.of("imported.conf"), ConfigParser.parse("imported.conf", r.config()));
    }

    private static boolean reported(HeartbeatImport.Result r, String fragment) {
        return r.report().stream().anyMatch(l -> l.contains(fragment));
    }

    @Test
    void heartbeatsDocumentationSample() throws Exception {
        HeartbeatImport.Result r = convert("doc-sample", "kathy");
        SupervisorConfig c = check(r);
        assertEquals("kathy", c.node());
        assertEquals("ken3", c.peer());
        assertEquals(Duration.ofSeconds(2), c.keepalive());
        assertEquals(Duration.ofSeconds(30), c.deadtime());
        assertEquals(Duration.ofSeconds(10), c.warntime());
        assertEquals(Duration.ofSeconds(120), c.initdead());
        assertTrue(c.autoFailback());
        assertEquals(1, c.serialLinks().size());
        assertEquals(2, c.udpLinks().size());
        assertEquals(SupervisorConfig.UdpMode.MULTICAST, c.udpLinks().get(1).mode());
        // haresources: IP shorthand, script::arg::arg, backslash continuations
        assertEquals(2, c.groups().size());
        assertEquals(List.of("IPaddr::135.9.216.110", "IPaddr::135.9.216.111", "IPaddr::135.9.216.112",
                "Filesystem::/dev/sda1::/data1::ext2", "httpd"), c.groups().get(0).resources());
        assertEquals(List.of("IPaddr::192.168.1.30/24/eth1", "IPaddr2::192.168.1.31/24/eth1", "smb"),
                c.groups().get(1).resources());
        // authkeys: the index 'auth 2' names, sha1
        assertArrayEquals("0123456789abcdef0123456789abcdef-a-long-enough-secret".getBytes(), r.keyMaterial());
        // what was left out, with line numbers
        assertTrue(reported(r, "ha.cf:7: logfacility: no Palisade equivalent"), r.report().toString());
        assertTrue(reported(r, "ha.cf:27: watchdog"), r.report().toString());
        assertTrue(reported(r, "ha.cf:32: respawn"), r.report().toString());
        assertTrue(reported(r, "ha.cf:33: ping"), r.report().toString());
        // bcast and mcast shared udpport 694 in Heartbeat; here each link has its own socket and port
        assertTrue(reported(r, "ha.cf:25: port 694 is used by an earlier link; this link uses 695"), r.report().toString());
        assertEquals(695, c.udpLinks().get(1).port());
    }

    @Test
    void drbdMysqlVendorGuideWithUcastAndAWeakMd5Key() throws Exception {
        HeartbeatImport.Result r = convert("drbd-mysql", null);
        SupervisorConfig c = check(r);
        assertEquals("db1", c.node());
        assertEquals(Duration.ofMillis(500), c.keepalive());
        assertEquals(Duration.ofSeconds(2), c.deadtime());
        assertEquals(2, c.udpLinks().size());
        assertEquals(List.of("drbddisk::r0", "Filesystem::/dev/drbd0::/var/lib/mysql::ext4",
                "IPaddr2::192.168.1.100/24/eth0", "mysql"), c.groups().get(0).resources());
        assertEquals("db1", c.groups().get(0).home());
        assertTrue(reported(r, "md5 key is 12 bytes, weaker than the 32"), r.report().toString());
        assertTrue(reported(r, "ha.cf:13: crm"), r.report().toString());
        assertTrue(reported(r, "keep only the peer's"), r.report().toString());
        assertTrue(reported(r, "pass --node"), r.report().toString());
        // and the group runs unchanged: drbddisk and Filesystem are built in, IPaddr2 is Heartbeat's own resource.d
        // script, mysql an init script (Debian 12 calls it mariadb: the line says what is missing)
        var scripts = new dev.palisade.supervisor.resources.ResourceFactory(
                dev.palisade.supervisor.resources.ResourceFactory.Paths.SYSTEM, java.util.Map.of());
        List<String> lines = c.groups().get(0).resources();
        assertTrue(scripts.create(lines.get(0)) instanceof dev.palisade.supervisor.resources.DrbdResource);
        assertTrue(scripts.create(lines.get(1)) instanceof dev.palisade.supervisor.resources.FilesystemResource);
        assertEquals("IPaddr2::192.168.1.100/24/eth0", scripts.create(lines.get(2)).name());
        if (java.nio.file.Files.exists(Path.of("/etc/init.d/mysql"))) {
            assertEquals("lsb:mysql", scripts.create("mysql").name());
        } else {
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> scripts.create("mysql")).getMessage().contains("/etc/init.d/mysql"));
            assertEquals("lsb:mariadb", scripts.create("mariadb").name());
        }
    }

    @Test
    void serialOnlyWithCrcBaudOrderAndUnknownDirectives() throws Exception {
        HeartbeatImport.Result r = convert("crc-serial", "beta");
        SupervisorConfig c = check(r);
        assertEquals(19200, c.serialLinks().get(0).baud(), "baud applies to the serial lines after it");
        assertEquals(115200, c.serialLinks().get(1).baud());
        assertEquals(Duration.ofMillis(1500), c.keepalive());
        assertNull(r.keyMaterial());
        assertTrue(reported(r, "crc has no secret"), r.report().toString());
        assertTrue(reported(r, "ha.cf:6: auto_failback legacy mapped to off"), r.report().toString());
        assertTrue(reported(r, "ha.cf:8: unknown directive 'bogus_directive'"), r.report().toString());
    }

    @Test
    void commandLineWritesTheConfigAndTheKey(@TempDir Path dir) throws Exception {
        Path ha = dir.resolve("ha.d");
        Files.createDirectories(ha);
        for (String f : List.of("ha.cf", "haresources", "authkeys")) {
            Files.writeString(ha.resolve(f), res("doc-sample", f), StandardCharsets.ISO_8859_1);
        }
        Path key = dir.resolve("cluster.key");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Palisade.run(new String[] {"import-heartbeat", ha.toString(), "--node", "ken3", "--key-out",
                key.toString()}, new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, rc, err.toString());
        Path conf = dir.resolve("palisade.conf");
        Files.writeString(conf, out.toString());
        ByteArrayOutputStream o2 = new ByteArrayOutputStream();
        assertEquals(0, Palisade.run(new String[] {"check-config", "-f", conf.toString()}, new PrintStream(o2, true),
                new PrintStream(new ByteArrayOutputStream(), true)));
        assertTrue(o2.toString().contains("supervisor ken3, peer kathy"), o2.toString());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(err.toString().contains("ha.cf:7:"), err.toString());
    }

    @Test
    void heartbeatTimeSyntax() {
        assertEquals("2s", HeartbeatImport.time("2"));
        assertEquals("1500ms", HeartbeatImport.time("1.5"));
        assertEquals("500ms", HeartbeatImport.time("500ms"));
        assertNull(HeartbeatImport.time("soon"));
    }
}
