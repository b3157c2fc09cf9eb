package dev.palisade.fence.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.Netns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: against our gateway and against the real fence_virtd, on the same fence_virt.conf, domain
 * XML and key, the stock Debian clients print the same stdout and exit with the same codes, for
 * fence_virt -T (TCP) and fence_xvm (multicast inside a network namespace this test creates).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StockClientInteropTest {
    private static final String PLUGINS = "/usr/lib/x86_64-linux-gnu/fence-virt";
    Path dir;
    Path key;
    Path wrongKey;
    String uri;
    Netns ns;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Commands.require("fence_virtd");
        key = Fixtures.key(dir, "fence_xvm.key");
        wrongKey = Fixtures.key(dir, "wrong.key");
        uri = Fixtures.domainsUri(dir);
        ns = Netns.create("pal-interop");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    /** One fence_virt.conf that both daemons read unchanged (module_path is fence_virtd's own key). */
    private Path conf(String listener, String body) throws Exception {
        return Fixtures.write(dir.resolve(listener + ".conf"), """
                fence_virtd {
                \tlistener = "%s";
                \tbackend = "libvirt";
                \tmodule_path = "%s";
                }
                listeners {
                \t%s {
                %s
                \t}
                }
                backends {
                \tlibvirt {
                \t\turi = "%s";
                \t}
                }
                """.formatted(listener, PLUGINS, listener, body, uri));
    }

    private static final List<List<String>> SEQUENCE = List.of(
            List.of("-o", "list"),
            List.of("-o", "status", "-H", "appliance-a"),
            List.of("-o", "off", "-H", "appliance-a"),
            List.of("-o", "status", "-H", "appliance-a"),
            List.of("-o", "list"),
            List.of("-o", "off", "-H", "appliance-a"),
            List.of("-o", "on", "-H", "appliance-a"),
            List.of("-o", "status", "-H", "appliance-a"),
            List.of("-o", "reboot", "-H", "appliance-a"),
            List.of("-o", "status", "-H", "appliance-a"),
            List.of("-o", "status", "-H", "Build_box"),
            List.of("-o", "reboot", "-H", "Build_box"),
            List.of("-o", "status", "-H", "Build_box"),
            List.of("-o", "on", "-H", "33333333-3333-4333-8333-333333333333"),
            List.of("-o", "status", "-H", "Build_box"),
            List.of("-o", "status", "-H", "db-standby"),
            List.of("-o", "status", "-H", "11111111-1111-4111-8111-111111111111"),
            List.of("-o", "status", "-H", "99999999-9999-4999-8999-999999999999"),
            List.of("-o", "status", "-H", "no-such-vm"),
            List.of("-o", "off", "-H", "no-such-vm"),
            List.of("-o", "reboot", "-H", "no-such-vm"),
            List.of("-o", "monitor"),
            List.of("-o", "list"));

    private List<String> run(List<String> client, boolean ours, Path conf, int port, boolean udp) throws Exception {
        List<String> daemonCmd = ours ? DaemonProcess.ourFenceDaemon(conf)
                : List.of(Commands.require("fence_virtd"), "-F", "-f", conf.toString(), "-p",
                dir.resolve("fv.pid").toString());
        List<String> results = new ArrayList<>();
        try (DaemonProcess d = DaemonProcess.start(ns.exec(daemonCmd), dir.resolve((ours ? "ours" : "real") + ".log"))) {
            ns.awaitPort(port, udp, d.process(), 20_000);
            for (List<String> step : SEQUENCE) {
                Commands.Result r = ns.run(40_000, Commands.concat(client, step.toArray(String[]::new)));
                results.add(String.join(" ", step) + " -> exit " + r.exit() + "\n" + r.stdout());
            }
            Commands.Result wrong = ns.run(40_000, Commands.concat(client.subList(0, client.size()), "-k",
                    wrongKey.toString(), "-t", "2", "-o", "status", "-H", "appliance-b"));
            // Which errno the client prints after the gateway hangs up depends on who is faster: the real
            // fence_virtd gives "Connection reset by peer" or "Broken pipe" from run to run (both observed).
            results.add("wrong key -> exit " + wrong.exit() + "\n"
                    + wrong.stdout().replaceAll("Connection reset by peer|Broken pipe", "<connection closed>"));
            if (ours) {
                long ms = d.terminate(1000);
                assertTrue(ms <= 1000, "our daemon stopped " + (ms == Long.MAX_VALUE ? "only when killed" : "after " + ms + " ms"));
                String log = d.log();
                assertTrue(log.contains("request dropped") && log.contains("signature does not match"),
                        "the wrong-key request is logged:\n" + log);
            }
        }
        return results;
    }

    @Test
    void fenceVirtOverTcpSeesTheSameAsWithFenceVirtd() throws Exception {
        Path conf = conf("tcp", "\t\tkey_file = \"" + key + "\";\n\t\taddress = \"127.0.0.1\";\n\t\tport = \"1229\";\n"
                + "\t\tfamily = \"ipv4\";\n\t\thash = \"sha256\";");
        List<String> client = List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p", "1229", "-k",
                key.toString());
        List<String> real = run(client, false, conf, 1229, false);
        List<String> ours = run(client, true, conf, 1229, false);
        assertEquals(String.join("\n", real), String.join("\n", ours));
        assertTrue(real.get(0).contains("appliance-a") && real.get(0).contains(" on"), real.get(0));
        // and our agent, in legacy mode, is a drop-in for fence_virt against the real fence_virtd
        List<String> agent = DaemonProcess.ourFenceAgent("--legacy", "-T", "127.0.0.1", "-p", "1229", "-k",
                key.toString());
        List<String> viaAgent = run(agent, false, conf, 1229, false);
        assertEquals(withoutWrongKeyLine(real), withoutWrongKeyLine(viaAgent));
    }

    /**
     * The gateway's http block in the file: stock fence_virtd ignores a block it does not know and serves as
     * before, so one fence_virt.conf still serves both daemons, with the same answers.
     */
    @Test
    void fenceVirtdIgnoresTheHttpBlockAndBothAnswerTheSame() throws Exception {
        Path conf = conf("tcp", "\t\tkey_file = \"" + key + "\";\n\t\taddress = \"127.0.0.1\";\n\t\tport = \"1229\";\n"
                + "\t\tfamily = \"ipv4\";\n\t\thash = \"sha256\";");
        java.nio.file.Files.writeString(conf, "http {\n\tlisten = \"127.0.0.1:9465\";\n}\n",
                java.nio.file.StandardOpenOption.APPEND);
        List<String> client = List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p", "1229", "-k",
                key.toString());
        List<String> real = run(client, false, conf, 1229, false);
        assertTrue(real.get(0).contains("exit 0") && real.get(0).contains("appliance-a"), real.get(0));
        assertEquals(String.join("\n", real), String.join("\n", run(client, true, conf, 1229, false)));
    }

    /** The wrong-key line carries each client's own error text; the exit code must still match. */
    private static String withoutWrongKeyLine(List<String> results) {
        List<String> out = new ArrayList<>(results);
        String last = out.remove(out.size() - 1);
        out.add(last.substring(0, last.indexOf('\n')));
        return String.join("\n", out);
    }

    @Test
    void fenceXvmOverMulticastSeesTheSameAsWithFenceVirtd() throws Exception {
        Path conf = conf("multicast", "\t\tkey_file = \"" + key + "\";\n\t\taddress = \"225.0.0.12\";\n"
                + "\t\tport = \"1229\";\n\t\tfamily = \"ipv4\";\n\t\tinterface = \"lo\";\n\t\thash = \"sha256\";\n"
                + "\t\tauth = \"sha256\";");
        List<String> client = List.of(Commands.require("fence_xvm"), "-k", key.toString(), "-t", "10", "-r", "10");
        List<String> real = run(client, false, conf, 1229, true);
        List<String> ours = run(client, true, conf, 1229, true);
        assertEquals(String.join("\n", real), String.join("\n", ours));
        assertTrue(real.get(1).contains("exit 0"), real.get(1));
    }
}
