package dev.palisade.fence.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** fence_palisade against our gateway over TCP: options, stdin interface, exit codes, metadata. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencePalisadeTest {
    Path keygenKey;
    Path legacyKey;
    int port;
    FenceDaemon daemon;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        keygenKey = dir.resolve("keygen.key");
        FenceKeygen.write(keygenKey, false);
        legacyKey = Fixtures.key(dir, "legacy.key");
        port = Fixtures.freePort();
        int legacyPort = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners {
                  tcp { key_file = "%s"; port = "%d"; auth = "both"; }
                  tcp { key_file = "%s"; port = "%d"; }
                }
                backends { libvirt { uri = "%s"; } }
                """.formatted(keygenKey, port, legacyKey, legacyPort, Fixtures.domainsUri(dir)));
        daemon = FenceDaemon.create(FenceDaemonConfig.load(conf));
        daemon.start(Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    private static Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = FencePalisade.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true), new PrintStream(err, true));
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run agent(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(new String[] {"-T", "127.0.0.1", "-p", String.valueOf(port), "-k", keygenKey.toString()}, 0, all, 0, 6);
        System.arraycopy(args, 0, all, 6, args.length);
        return run("", all);
    }

    @Test
    void keygenKeyMeansHardenedByDefault() throws Exception {
        long mark = LogTail.mark();
        Run r = agent("-o", "status", "-H", "appliance-a");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("Status: ON\n", r.out());
        LogTail.await(mark, Duration.ofSeconds(5), "status 'appliance-a' -> SUCCESS (hardened");
    }

    @Test
    void powerCycleAndListWithStockOutput() {
        assertEquals(0, agent("-o", "off", "-n", "appliance-b").exit());
        Run st = agent("-ostatus", "-Happliance-b");
        assertEquals(2, st.exit());
        assertEquals("Status: OFF\n", st.out());
        assertEquals(0, agent("-o", "on", "-H", "appliance-b").exit());
        Run list = agent("-o", "list");
        assertEquals(0, list.exit());
        assertTrue(list.out().startsWith("appliance-a                      11111111-1111-4111-8111-111111111111 on\n"),
                list.out());
        assertEquals(4, list.out().lines().count());
        assertEquals(1, agent("-o", "off", "-H", "no-such-vm").exit());
        assertEquals(0, agent("-o", "monitor").exit());
    }

    @Test
    void legacyOnRequestAgainstAListenerThatAllowsIt() throws Exception {
        long mark = LogTail.mark();
        assertEquals(0, agent("--legacy", "-o", "status", "-H", "appliance-a").exit());
        LogTail.await(mark, Duration.ofSeconds(5), "status 'appliance-a' -> SUCCESS (legacy");
    }

    @Test
    void stdinInterfaceAsPacemakerUsesIt() {
        Run r = run("action=status\nplug=appliance-a\nipaddr=127.0.0.1\nipport=" + port + "\nkey_file=" + keygenKey
                + "\n# comment\nnodename=whatever\n");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("Status: ON\n", r.out());
        assertTrue(r.err().contains("Ignoring unknown option 'nodename'"), r.err());
    }

    @Test
    void errorsAndExitCodes() {
        Run noDomain = agent("-o", "off");
        assertEquals(1, noDomain.exit());
        assertTrue(noDomain.err().contains("No domain specified"));
        Run badKey = run("", "-k", "/nonexistent/key", "-o", "status", "-H", "x");
        assertEquals(1, badKey.exit());
        assertTrue(badKey.err().contains("Invalid key file"), badKey.err());
        Run closed = run("", "-T", "127.0.0.1", "-p", "1", "-k", keygenKey.toString(), "-t", "2", "-o", "status", "-H", "x");
        assertEquals(1, closed.exit());
        assertTrue(closed.out().contains("Operation failed"), closed.toString());
        assertEquals(0, agent("-o", "validate-all", "-H", "appliance-a").exit());
        assertEquals(1, agent("-o", "bogus", "-H", "x").exit());
        // vsock: CID 1 is this machine's own loopback address, which has no transport here; the agent
        // fails within its connect deadline instead of hanging
        long t0 = System.nanoTime();
        Run vsock = run("", "-S1", "-p", "1229", "-k", keygenKey.toString(), "-t", "2", "-o", "status", "-H", "x");
        assertEquals(1, vsock.exit(), vsock.toString());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "gave up in time");
    }

    @Test
    void metadataIsWellFormedResourceAgentXml() throws Exception {
        Run r = run("", "-o", "metadata");
        assertEquals(0, r.exit());
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        assertEquals("resource-agent", d.getDocumentElement().getNodeName());
        assertEquals("fence_palisade", d.getDocumentElement().getAttribute("name"));
        assertTrue(d.getElementsByTagName("parameter").getLength() >= 10);
        assertTrue(r.out().contains("<action name=\"validate-all\" />"));
    }
}
