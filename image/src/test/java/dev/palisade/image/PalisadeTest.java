package dev.palisade.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The product's command line: the gateway's commands here, the supervisor's handed to its own table. */
class PalisadeTest {
    record Run(int exit, String out, String err) {
    }

    private static Run palisade(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Palisade.run(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheGatewaysAndTheSupervisorsCommands() {
        Run r = palisade("help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("fence-daemon [-F]"), r.out());
        assertTrue(r.out().contains("supervisor -f FILE"), r.out());
    }

    @Test
    void theGatewaysCommandsRunHere() {
        Run r = palisade("fence-daemon", "-h");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("usage: palisade fence-daemon"), r.out());
        Run agent = palisade("fence_palisade", "-o", "metadata");
        assertEquals(0, agent.exit());
        assertTrue(agent.out().contains("<resource-agent"), agent.out());
    }

    @Test
    void checkConfigReadsAFenceVirtConfHereAndASupervisorConfigThere(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("k");
        Files.write(key, new java.security.SecureRandom().generateSeed(64));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path conf = dir.resolve("fence_virt.conf");
        Files.writeString(conf, """
                listeners { tcp { key_file = "%s"; port = "1229"; } }
                backends { libvirt { uri = "test:///default"; } }
                """.formatted(key));
        Run r = palisade("check-config", "-f", conf.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("listener tcp port 1229"), r.out());
        Files.writeString(conf, "listeners { tcp { port = \"x\"; } }\n");
        Run bad = palisade("check-config", "-f", conf.toString());
        assertEquals(100, bad.exit());
        assertTrue(bad.err().startsWith(conf + ":1:"), bad.err());
        Run sup = palisade("check-config", "-f", dir.resolve("missing.conf").toString());
        assertEquals(100, sup.exit());
    }

    @Test
    void theSupervisorsCommandsAndUnknownOnes() {
        Run v = palisade("version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("palisade "), v.out());
        Run u = palisade("no-such-command");
        assertEquals(100, u.exit());
        assertTrue(u.err().contains("unknown command 'no-such-command'") && u.err().contains("fence-daemon"), u.err());
    }
}
