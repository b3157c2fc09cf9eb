package dev.palisade.supervisor.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Script resources: Debian's real OCF agent (resource-agents' Dummy), and Heartbeat resource.d and LSB
 * scripts with the exit codes and outputs those conventions define, including scripts that lie and hang.
 */
class AgentResourceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void anOcfAgentRunsWithItsParametersAndExitCodes(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("dummy.state");
        ResourceFactory f = new ResourceFactory(ResourceFactory.Paths.SYSTEM, Map.of());
        Resource r = f.create("ocf:heartbeat:Dummy::state=" + state);
        assertInstanceOf(AgentResource.class, r);
        assertEquals(Resource.Status.STOPPED, r.monitor());
        r.stop(); // stopping a stopped resource is success
        r.start();
        assertTrue(Files.exists(state), "OCF_RESKEY_state reached the agent");
        assertEquals(Resource.Status.RUNNING, r.monitor());
        r.stop();
        assertEquals(Resource.Status.STOPPED, r.monitor());
        Resource missing = f.create("ocf:heartbeat:NoSuchAgent");
        assertTrue(assertThrows(IOException.class, missing::start).getMessage().contains("not an executable script"));
    }

    private static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        p.toFile().setExecutable(true);
        return p;
    }

    @Test
    void aHeartbeatResourceDScriptGetsItsArgumentsAndIsJudgedByItsStatusOutput(@TempDir Path dir) throws Exception {
        Path rd = Files.createDirectories(dir.resolve("resource.d"));
        script(rd, "Flag", """
                # Flag::FILE start|stop|status, as Heartbeat calls resource.d scripts
                f=$1; case $2 in
                  start) touch "$f" ;;
                  stop) rm -f "$f" ;;
                  status) if [ -e "$f" ]; then echo running; else echo stopped; fi ;;
                esac
                """);
        ResourceFactory f = new ResourceFactory(new ResourceFactory.Paths(dir, rd, dir.resolve("init.d"), TIMEOUT),
                Map.of());
        Path flag = dir.resolve("flag");
        Resource r = f.create("Flag::" + flag);
        assertEquals("Flag::" + flag, r.name());
        assertEquals(Resource.Status.STOPPED, r.monitor());
        r.start();
        assertTrue(Files.exists(flag));
        assertEquals(Resource.Status.RUNNING, r.monitor());
        r.stop();
        assertEquals(Resource.Status.STOPPED, r.monitor());
    }

    @Test
    void anLsbScriptThatLiesAboutStoppingOrHangsIsNeverAStop(@TempDir Path dir) throws Exception {
        Path init = Files.createDirectories(dir.resolve("init.d"));
        Path flag = dir.resolve("svc.running");
        script(init, "svc", """
                case $1 in
                  start) touch %1$s ;;
                  stop) exit 0 ;;   # says stopped, stops nothing
                  status) [ -e %1$s ] && exit 0; exit 3 ;;
                esac
                """.formatted(flag));
        script(init, "hangs", """
                case $1 in
                  status) exit 0 ;;
                  *) exec sleep 600 ;;
                esac
                """);
        ResourceFactory f = new ResourceFactory(new ResourceFactory.Paths(dir, dir.resolve("resource.d"), init,
                Duration.ofMillis(500)), Map.of());
        Resource svc = f.create("svc");
        svc.start();
        assertEquals(Resource.Status.RUNNING, svc.monitor());
        IOException e = assertThrows(IOException.class, svc::stop);
        assertTrue(e.getMessage().contains("monitor says RUNNING: not stopped"), e.getMessage());
        Resource hangs = f.create("hangs");
        long t0 = System.nanoTime();
        IOException h = assertThrows(IOException.class, hangs::stop);
        assertTrue(h.getMessage().contains("did not finish within 0 s and was killed"), h.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the deadline held");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f.create("svc::arg")).getMessage()
                .contains("takes no arguments"));
    }

    @Test
    void resourceLinesMapOntoBuiltInsAgentsAndScriptsOrSayWhatIsWrong(@TempDir Path dir) {
        ResourceFactory f = new ResourceFactory(new ResourceFactory.Paths(dir, dir, dir, TIMEOUT), Map.of());
        assertInstanceOf(FilesystemResource.class, f.create("Filesystem::/dev/drbd0::/srv/db::ext4"));
        assertInstanceOf(FilesystemResource.class, f.create("Filesystem::/dev/drbd0::/srv/db::ext4::noatime"));
        assertInstanceOf(MariaDbResource.class, f.create("mariadb::/srv/db/mysql::port=3307"));
        for (Map.Entry<String, String> bad : Map.of(
                "Filesystem::/dev/drbd0", "DEVICE::DIRECTORY::FSTYPE",
                "vip::vi_db", "no VRRP instance 'vi_db'",
                "vip", "one VRRP instance",
                "ocf:heartbeat", "ocf:PROVIDER:TYPE",
                "ocf:heartbeat:Dummy::novalue", "not key=value",
                "../../bin/sh", "not a script name",
                "nosuchthing::x", "no built-in resource",
                "mariadb::port=1", "data directory first",
                "mariadb", "no built-in resource").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.create(bad.getKey()),
                    bad.getKey());
            assertTrue(e.getMessage().contains(bad.getValue()), bad.getKey() + ": " + e.getMessage());
        }
    }
}
