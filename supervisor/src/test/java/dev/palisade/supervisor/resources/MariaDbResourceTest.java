package dev.palisade.supervisor.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The mariadb resource on a real MariaDB server and data directory. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbResourceTest {
    private static Path dir;
    private static Path datadir;

    @BeforeAll
    static void install() throws Exception {
        dir = Files.createTempDirectory("mariadb-resource");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        datadir = dir.resolve("data");
        MariaDbData.install(datadir);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        for (ProcessHandle h : List.of(ProcessHandle.current().children().toArray(ProcessHandle[]::new))) {
            h.destroyForcibly();
        }
        dev.palisade.drivers.testing.Scratch.deleteTree(dir);
    }

    private static MariaDbResource resource(String socketName, int port, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(datadir.toString(), "socket=" + dir.resolve("run").resolve(socketName),
                "port=" + port, "bind=127.0.0.1", "start_timeout=" + TestTime.scaled(java.time.Duration.ofSeconds(60))
                        .toSeconds(), "option=innodb_buffer_pool_size=16M"));
        args.addAll(List.of(more));
        return new MariaDbResource(MariaDbResource.Settings.parse(args));
    }

    @Test
    @Order(1)
    void startsReadyOnAQueryStopsVerifiedGoneAndBothAreIdempotent() throws Exception {
        MariaDbResource db = resource("a.sock", 13306);
        assertEquals(Resource.Status.STOPPED, db.monitor());
        db.stop();
        db.start();
        try {
            assertEquals(Resource.Status.RUNNING, db.monitor());
            assertEquals("1", MariaDbData.sql(dir.resolve("run/a.sock"), "SELECT 1").trim(), "ready means it answers");
            MariaDbData.createApp(dir.resolve("run/a.sock"));
            MariaDbData.sql(dir.resolve("run/a.sock"), "INSERT INTO app.ledger (n) VALUES (1), (2)");
            long pid = db.server().orElseThrow().pid();
            assertEquals(Optional.of(pid), MariaDbResource.lockHolder(datadir.resolve("ibdata1")),
                    "the server is found by the InnoDB lock it holds");
            db.start();
            assertEquals(pid, db.server().orElseThrow().pid(), "starting a running server starts no second one");
        } finally {
            db.stop();
        }
        assertEquals(Resource.Status.STOPPED, db.monitor());
        assertTrue(db.server().isEmpty());
        assertTrue(MariaDbResource.lockHolder(datadir.resolve("ibdata1")).isEmpty(), "the lock is released");
        db.stop();
    }

    @Test
    @Order(2)
    void neverStartsASecondServerOnOneDataDirectory() throws Exception {
        MariaDbResource first = resource("a.sock", 13306);
        first.start();
        try {
            long pid = first.server().orElseThrow().pid();
            MariaDbResource second = resource("b.sock", 13307, "start_timeout=1");
            IOException e = assertThrows(IOException.class, second::start);
            assertTrue(e.getMessage().contains("pid " + pid), e.getMessage());
            long servers = ProcessHandle.allProcesses().filter(h -> h.info().command().orElse("").endsWith("mariadbd")
                    && List.of(h.info().arguments().orElse(new String[0])).contains("--datadir=" + datadir)).count();
            assertEquals(1, servers, "one server on the data directory");
            assertEquals("2", MariaDbData.sql(dir.resolve("run/a.sock"), "SELECT COUNT(*) FROM app.ledger").trim());
        } finally {
            first.stop();
        }
    }

    @Test
    @Order(3)
    void aKilledServerIsWaitedForThroughRecoveryAndAStuckOneIsReportedNotKilled() throws Exception {
        MariaDbResource db = resource("a.sock", 13306);
        db.start();
        ProcessHandle h = db.server().orElseThrow();
        h.destroyForcibly(); // power loss, as far as InnoDB can tell
        h.onExit().get();
        MariaDbResource impatient = resource("a.sock", 13306, "start_timeout=0");
        impatient.start(); // past its timeout at once, but its log moves: waited for
        assertEquals("2", MariaDbData.sql(dir.resolve("run/a.sock"), "SELECT COUNT(*) FROM app.ledger").trim(),
                "every committed row after crash recovery");
        ProcessHandle stuck = db.server().orElseThrow();
        Thread.sleep(MariaDbResource.PROGRESS_WINDOW.toMillis() + 500); // its log stands still from now on
        Commands.run(5000, "kill", "-STOP", String.valueOf(stuck.pid()));
        try {
            IOException e = assertThrows(IOException.class, resource("a.sock", 13306, "start_timeout=1")::start);
            assertTrue(e.getMessage().contains("its log has not moved") && e.getMessage().contains("not killed"),
                    e.getMessage());
            assertTrue(stuck.isAlive(), "the stuck server was not killed");
        } finally {
            Commands.run(5000, "kill", "-CONT", String.valueOf(stuck.pid()));
        }
        db.stop();
        assertTrue(db.server().isEmpty());
    }

    @Test
    @Order(4)
    void aDataDirectoryWithoutSystemTablesIsACleanErrorAndBadArgumentsAreNamed() throws Exception {
        MariaDbResource empty = new MariaDbResource(MariaDbResource.Settings.parse(List.of(dir.resolve("none")
                .toString(), "socket=" + dir.resolve("n.sock"))));
        IOException e = assertThrows(IOException.class, empty::start);
        assertTrue(e.getMessage().contains("mariadb-install-db"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("n.sock")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MariaDbResource.Settings.parse(List.of("/d",
                "colour=blue"))).getMessage().contains("no argument 'colour'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MariaDbResource.Settings.parse(List.of("/d",
                "port=x"))).getMessage().contains("port 'x'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MariaDbResource.Settings.parse(List.of(
                "port=1"))).getMessage().contains("data directory first"));
    }
}
