package dev.palisade.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both packages installed on this machine with dpkg (the test machine: root, a throw-away system), looked at,
 * their units' ExecStart run under a test service manager, then purged. Leftovers of an earlier failed run
 * are purged first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageInstallIT {
    private final List<String> files = new ArrayList<>();
    private byte[] key;

    @BeforeAll
    void install() throws Exception {
        Debs.purgeBoth();
        assertFalse(Files.exists(Path.of("/etc/palisade/cluster.key")), "a cluster key left from before");
        Debs.ok(600_000, "dpkg", "-i", Debs.deb(Debs.APPLIANCE).toString(), Debs.deb(Debs.GATEWAY).toString());
        for (String pkg : Debs.BOTH) {
            for (String f : Debs.ok(30_000, "dpkg", "-L", pkg).split("\n")) {
                files.add(f.strip());
            }
        }
    }

    @AfterAll
    void purgeWhateverHappened() throws Exception {
        Debs.purgeBoth();
    }

    private static PosixFileAttributes attributes(String path) throws Exception {
        return Files.readAttributes(Path.of(path), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static void assertMode(String path, String mode) throws Exception {
        PosixFileAttributes a = attributes(path);
        assertEquals(mode, PosixFilePermissions.toString(a.permissions()), path);
        assertEquals("root", a.owner().getName(), path);
        assertEquals("root", a.group().getName(), path);
    }

    @Test
    @Order(1)
    void filesHaveTheirModes() throws Exception {
        assertMode("/usr/sbin/palisade", "rwxr-xr-x");
        assertMode("/usr/sbin/palisade-fence-gateway", "rwxr-xr-x");
        assertMode("/usr/lib/palisade/runtime/bin/java", "rwxr-xr-x");
        assertMode("/usr/lib/palisade/fence-gateway/runtime/bin/java", "rwxr-xr-x");
        assertMode("/usr/lib/palisade/palisade.jar", "rw-r--r--");
        assertMode("/lib/systemd/system/palisade.service", "rw-r--r--");
        assertMode("/lib/systemd/system/palisade-fence-gateway.service", "rw-r--r--");
        assertMode("/etc/palisade/palisade.conf", "rw-r--r--");
        assertMode("/etc/palisade/cluster.key", "rw-------");
        for (String page : List.of("man8/palisade.8.gz", "man8/palisade-ctl.8.gz", "man8/palisade-console.8.gz",
                "man5/palisade.conf.5.gz",
                "man8/palisade-fence-gateway.8.gz")) {
            assertMode("/usr/share/man/" + page, "rw-r--r--");
        }
        assertMode("/usr/share/bash-completion/completions/palisade", "rw-r--r--");
        assertMode("/usr/share/bash-completion/completions/palisade-fence-gateway", "rw-r--r--");
        for (String f : files) {
            if (f.startsWith("/etc/") || f.equals("/.")) {
                continue;
            }
            PosixFileAttributes a = attributes(f);
            if (a.isSymbolicLink()) {
                continue; // /lib -> usr/lib on a merged /usr: a link's own mode means nothing
            }
            assertEquals("root", a.owner().getName(), f);
            assertFalse(PosixFilePermissions.toString(a.permissions()).charAt(7) == 'w', "world-writable: " + f);
        }
        // share-classes ran at installation: the class-data sharing archives are there
        assertMode("/usr/lib/palisade/classes.jsa", "rw-r--r--");
        assertMode("/usr/lib/palisade/fence-gateway/classes.jsa", "rw-r--r--");
        assertMode("/usr/lib/palisade/client.jsa", "rw-r--r--");
        assertMode("/usr/lib/palisade/fence-gateway/client.jsa", "rw-r--r--");
    }

    @Test
    @Order(2)
    void theExampleConfigIsAConffileAndTheKeyIsMadeOnce() throws Exception {
        String conffiles = Debs.ok(30_000, "dpkg-query", "-W", "-f=${Conffiles}", Debs.APPLIANCE);
        assertTrue(conffiles.contains("/etc/palisade/palisade.conf"), conffiles);
        key = Files.readAllBytes(Path.of("/etc/palisade/cluster.key"));
        assertEquals(64, key.length);
        assertFalse(files.contains("/etc/palisade/cluster.key"), "the key is made at installation, not shipped");
        // the operator edits the configuration; reinstalling keeps both the edit and the key
        Path conf = Path.of("/etc/palisade/palisade.conf");
        String edited = Files.readString(conf) + "# edited by the operator\n";
        Files.writeString(conf, edited);
        Debs.ok(600_000, "dpkg", "-i", Debs.deb(Debs.APPLIANCE).toString());
        assertEquals(edited, Files.readString(conf));
        assertArrayEquals(key, Files.readAllBytes(Path.of("/etc/palisade/cluster.key")), "the key was replaced");
    }

    @Test
    @Order(3)
    void everyProgramRunsOnItsRuntime() throws Exception {
        String v = System.getProperty("palisade.version", "0.1.0-SNAPSHOT");
        assertEquals("palisade " + v, Debs.ok(60_000, "/usr/sbin/palisade", "version").strip());
        assertEquals("palisade-fence-gateway " + v, Debs.ok(60_000, "/usr/sbin/palisade-fence-gateway", "version").strip());
        // both packages carry fence_palisade: the appliance's wins the alternative, the gateway's runs too
        assertEquals(Path.of("/usr/lib/palisade/bin/fence_palisade"), Path.of("/usr/sbin/fence_palisade").toRealPath());
        for (String agent : List.of("/usr/sbin/fence_palisade", "/usr/lib/palisade/fence-gateway/bin/fence_palisade")) {
            String metadata = Debs.ok(60_000, agent, "-o", "metadata");
            assertTrue(metadata.contains("<resource-agent name=\"fence_palisade\""), agent + ": " + metadata);
        }
        for (String page : List.of("palisade", "palisade-ctl", "palisade.conf", "fence_palisade",
                "palisade-fence-gateway")) {
            Commands.Result r = Debs.run(30_000, "man", "-w", page);
            assertEquals(0, r.exit(), page + ": " + r);
        }
        assertTrue(Files.exists(Path.of("/usr/share/bash-completion/completions/fence_palisade")));
        // the check the JVM makes of the archives: they are used, not silently ignored
        for (String archive : List.of("classes.jsa", "client.jsa")) {
            Commands.Result r = Debs.run(60_000, "/usr/lib/palisade/runtime/bin/java", "-Xshare:on",
                    "-XX:SharedArchiveFile=/usr/lib/palisade/" + archive, "-XX:+UseSerialGC",
                    "-jar", "/usr/lib/palisade/palisade.jar", "version");
            assertEquals(0, r.exit(), archive + " does not map: " + r);
        }
    }

    @Test
    @Order(4)
    void systemdAcceptsTheUnits() throws Exception {
        for (String unit : List.of("palisade.service", "palisade-fence-gateway.service")) {
            Commands.Result r = Debs.run(120_000, "systemd-analyze", "verify", "/lib/systemd/system/" + unit);
            assertEquals(0, r.exit(), unit + ": " + r);
            assertFalse((r.stdout() + r.stderr()).contains(unit), unit + ": " + r);
        }
    }

    @Test
    @Order(5)
    void theUnitsStartUnderAServiceManager() throws Exception {
        UnitRun.supervisor();
        UnitRun.gateway();
    }

    @Test
    @Order(9)
    void purgeLeavesNothing() throws Exception {
        Debs.ok(600_000, "dpkg", "--purge", Debs.APPLIANCE, Debs.GATEWAY);
        for (String f : files) {
            if (f.equals("/.") || Files.isDirectory(Path.of(f)) && !f.contains("palisade")) {
                continue; // shared directories (/usr, /lib/systemd/system) stay
            }
            assertFalse(Files.exists(Path.of(f), LinkOption.NOFOLLOW_LINKS), "left after purge: " + f);
        }
        for (String f : List.of("/etc/palisade", "/usr/lib/palisade", "/var/lib/palisade", "/usr/sbin/fence_palisade",
                "/etc/alternatives/fence_palisade", "/var/lib/dpkg/alternatives/fence_palisade",
                "/usr/share/man/man8/fence_palisade.8.gz", "/usr/share/bash-completion/completions/fence_palisade")) {
            assertFalse(Files.exists(Path.of(f), LinkOption.NOFOLLOW_LINKS), "left after purge: " + f);
        }
    }
}
