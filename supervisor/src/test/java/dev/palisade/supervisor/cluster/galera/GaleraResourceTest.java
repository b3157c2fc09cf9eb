package dev.palisade.supervisor.cluster.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.Scratch;
import dev.palisade.supervisor.cluster.Report;
import dev.palisade.supervisor.resources.MariaDbData;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Galera resource against a real mariadbd with galera-4, one node on loopback: a bootstrap, a crash and the
 * position read back with --wsrep-recover, a bootstrap from that position (no history lost, no new uuid), a
 * clean stop that leaves safe_to_bootstrap: 1, and the wsrep status the VIP rule reads.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GaleraResourceTest {
    private static Path dir;
    private static GaleraResource galera;
    private static Path socket;
    private static String clusterUuid;

    @BeforeAll
    static void install() throws Exception {
        Commands.require("mariadbd");
        if (!Files.exists(Path.of(GaleraSettings.DEFAULT_PROVIDER))) {
            throw new AssertionError("galera-4 is not installed; run 'make deps'");
        }
        dir = Files.createTempDirectory("galera");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        MariaDbData.install(dir.resolve("data"));
        socket = dir.resolve("run/mysqld.sock");
        int sql = freePort();
        int gcomm = freePort();
        galera = new GaleraResource(GaleraSettings.parse(List.of(dir.resolve("data").toString(),
                "cluster_address=gcomm://127.0.0.1:" + gcomm, "node_address=127.0.0.1", "node_name=g1",
                "cluster_name=palisade-test", "provider_options=gmcast.listen_addr=tcp://127.0.0.1:" + gcomm
                        + ";gcache.size=16M", "socket=" + socket, "port=" + sql, "bind=127.0.0.1",
                "option=innodb_buffer_pool_size=32M", "option=innodb_log_file_size=16M",
                "option=performance_schema=OFF", "option=skip-name-resolve")));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (galera != null) {
            try {
                galera.stop();
            } catch (java.io.IOException e) {
                killServer();
            }
        }
        Scratch.deleteTree(dir);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String sql(String q) throws Exception {
        return MariaDbData.sql(socket, q).strip();
    }

    static void killServer() throws Exception {
        String pid = Files.readString(Path.of(socket + ".pid")).strip();
        Commands.run(5000, "kill", "-KILL", pid);
        for (int i = 0; i < 200 && dev.palisade.drivers.platform.ProcessRun.running(Long.parseLong(pid)); i++) {
            Thread.sleep(25);
        }
    }

    @Test
    @Order(1)
    void aDataDirectoryThatWasNeverInAClusterReportsTheZeroUuid() throws Exception {
        Report r = galera.recoverPosition();
        assertEquals(GraState.ZERO, r.uuid(), r.toString());
        assertTrue(r.recovered());
        assertFalse(r.valid());
        assertNull(galera.status(), "no server runs");
    }

    @Test
    @Order(2)
    void theElectedNodeBootstrapsANewPrimaryComponent() throws Exception {
        WsrepStatus s = galera.bootstrap(galera.recoverPosition());
        assertTrue(s.primary() && s.synced() && s.ready(), s.toString());
        assertEquals(1, s.clusterSize());
        sql("CREATE DATABASE app; CREATE TABLE app.t (n INT PRIMARY KEY) ENGINE=InnoDB;"
                + " INSERT INTO app.t VALUES (1),(2),(3);");
        clusterUuid = galera.status().stateUuid();
        assertEquals(36, clusterUuid.length());
        GraState running = GraState.parse(Files.readAllBytes(dir.resolve("data/grastate.dat")));
        assertEquals(-1, running.seqno(), "a running node's grastate.dat says -1");
        assertTrue(Files.exists(dir.resolve("data/gvwstate.dat")), "Galera saves its Primary Component view");
    }

    @Test
    @Order(3)
    void afterACrashThePositionIsRecoveredFromInnoDb() throws Exception {
        long committed = galera.status().lastCommitted();
        killServer();
        assertNull(galera.status());
        Report r = galera.recoverPosition();
        assertTrue(r.recovered(), r.toString());
        assertEquals(clusterUuid, r.uuid().toString());
        assertEquals(committed, r.seqno());
        assertNotNull(r.view(), "the crashed node's saved view");
        assertFalse(r.safe());
    }

    @Test
    @Order(4)
    void bootstrappingFromTheRecoveredPositionKeepsTheHistory() throws Exception {
        Report r = galera.recoverPosition();
        WsrepStatus s = galera.bootstrap(r);
        assertTrue(s.primary() && s.synced() && s.ready(), s.toString());
        assertEquals(clusterUuid, s.stateUuid(), "the same cluster, so the others rejoin by IST");
        assertTrue(s.lastCommitted() >= r.seqno(), s + " after " + r); // the new component's view change counts too
        assertEquals("3", sql("SELECT COUNT(*) FROM app.t"));
        String my = Files.readString(Path.of(socket + ".pid")).strip();
        String cmdline = Files.readString(Path.of("/proc/" + my + "/cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("--wsrep-new-cluster") && cmdline.contains("--wsrep-start-position=" + r.position()),
                cmdline);
        assertFalse(Files.exists(dir.resolve("data/my.cnf")), "nothing written to a configuration file");
    }

    @Test
    @Order(5)
    void aCleanStopLeavesTheLastNodeSafeToBootstrapAndNeedsNoRecovery() throws Exception {
        sql("INSERT INTO app.t VALUES (4)");
        long committed = galera.status().lastCommitted();
        galera.stop();
        assertNull(galera.status());
        Files.deleteIfExists(dir.resolve("data/wsrep-recover.log"));
        Report r = galera.recoverPosition();
        assertFalse(r.recovered());
        assertTrue(r.safe(), r.toString());
        assertEquals(committed, r.seqno());
        assertNull(r.view(), "a clean shutdown removes gvwstate.dat");
        assertFalse(Files.exists(dir.resolve("data/wsrep-recover.log")), "--wsrep-recover was not run");
    }

    @Test
    @Order(6)
    void aJoinWithNoPrimaryComponentToJoinFailsAndLeavesNothingRunning() throws Exception {
        GaleraResource lonely = new GaleraResource(GaleraSettings.parse(List.of(dir.resolve("data").toString(),
                "cluster_address=gcomm://127.0.0.1:" + freePort(), "node_address=127.0.0.1",
                "provider_options=pc.wait_prim_timeout=PT3S;gmcast.listen_addr=tcp://127.0.0.1:" + freePort(),
                "socket=" + socket, "port=" + freePort(), "bind=127.0.0.1", "start_timeout=60",
                "option=innodb_buffer_pool_size=32M", "option=innodb_log_file_size=16M")));
        assertThrows(java.io.IOException.class, () -> lonely.join(lonely.recoverPosition()));
        assertNull(lonely.status());
    }
}
