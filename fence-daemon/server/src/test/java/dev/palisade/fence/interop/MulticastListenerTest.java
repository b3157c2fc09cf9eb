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
 * The multicast listener inside a network namespace with a veth pair (so fence_xvm sends one copy per
 * interface): IPv6 groups against the real fence_virtd, duplicate copies handled once, and junk datagrams
 * dropped without harm.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MulticastListenerTest {
    private static final String PLUGINS = "/usr/lib/x86_64-linux-gnu/fence-virt";
    Path dir;
    Path key;
    String uri;
    Netns ns;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws Exception {
        dir = tmp;
        key = Fixtures.key(dir, "fence_xvm.key");
        uri = Fixtures.domainsUri(dir);
        ns = Netns.create("pal-mcast");
        // A veth pair inside the namespace gives fence_xvm a second interface (and an IPv6 address it will
        // use: it skips ::1); nothing leaves the namespace.
        for (List<String> c : List.of(
                List.of("ip", "link", "add", "pmv0", "type", "veth", "peer", "name", "pmv1"),
                List.of("ip", "addr", "add", "10.77.0.1/24", "dev", "pmv0"),
                List.of("ip", "-6", "addr", "add", "fd77::1/64", "dev", "pmv0", "nodad"),
                List.of("ip", "link", "set", "pmv0", "up"),
                List.of("ip", "link", "set", "pmv1", "up"),
                List.of("ip", "-6", "route", "add", "ff05::/16", "dev", "pmv0", "table", "local"))) {
            Commands.Result r = ns.run(5000, c);
            assertEquals(0, r.exit(), String.join(" ", c) + ": " + r);
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    private Path conf(String name, String family, String address, String iface) throws Exception {
        return Fixtures.write(dir.resolve(name), """
                fence_virtd { listener = "multicast"; backend = "libvirt"; module_path = "%s"; }
                listeners { multicast { key_file = "%s"; family = "%s"; address = "%s"; port = "1229"; %s } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(PLUGINS, key, family, address,
                iface == null ? "" : "interface = \"" + iface + "\";", uri));
    }

    private List<String> sequence(DaemonProcess d, List<String> client) throws Exception {
        ns.awaitPort(1229, true, d.process(), 20_000);
        List<String> out = new ArrayList<>();
        for (List<String> step : List.of(List.of("-o", "list"), List.of("-o", "status", "-H", "appliance-a"),
                List.of("-o", "off", "-H", "appliance-a"), List.of("-o", "status", "-H", "appliance-a"),
                List.of("-o", "on", "-H", "appliance-a"), List.of("-o", "status", "-H", "no-such-vm"))) {
            Commands.Result r = ns.run(40_000, Commands.concat(client, step.toArray(String[]::new)));
            out.add(String.join(" ", step) + " -> exit " + r.exit() + "\n" + r.stdout());
        }
        return out;
    }

    @Test
    void ipv6GroupGivesTheSameAsFenceVirtd() throws Exception {
        Path conf = conf("v6.conf", "ipv6", "ff05::3:1", "pmv0");
        List<String> client = List.of(Commands.require("fence_xvm"), "-i", "ipv6", "-k", key.toString(), "-t", "10",
                "-r", "10");
        List<String> real;
        try (DaemonProcess d = DaemonProcess.start(ns.exec(List.of(Commands.require("fence_virtd"), "-F", "-f",
                conf.toString(), "-p", dir.resolve("fv.pid").toString())), dir.resolve("real6.log"))) {
            real = sequence(d, client);
        }
        List<String> ours;
        try (DaemonProcess d = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf)), dir.resolve("ours6.log"))) {
            ours = sequence(d, client);
            assertTrue(d.log().contains("off 'appliance-a' -> SUCCESS"), d.log());
            assertTrue(d.log().contains("fd77::1"), "the caller is identified by its IPv6 call-back address:\n" + d.log());
        }
        assertEquals(String.join("\n", real), String.join("\n", ours));
        assertTrue(real.get(1).contains("exit 0"), real.get(1));
    }

    @Test
    void copiesSentOnEveryInterfaceAreHandledOnceAndJunkIsDropped() throws Exception {
        // No interface: the gateway joins on every interface, and fence_xvm sends one copy from each of its
        // IPv4 addresses (127.0.0.1 and 10.77.0.1), so the same request arrives more than once.
        Path conf = conf("v4.conf", "ipv4", "225.0.0.12", null);
        List<String> client = List.of(Commands.require("fence_xvm"), "-k", key.toString(), "-t", "10", "-r", "10");
        try (DaemonProcess d = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf, "-d", "1")),
                dir.resolve("dup.log"))) {
            ns.awaitPort(1229, true, d.process(), 20_000);
            Commands.Result off = ns.run(40_000, Commands.concat(client, "-o", "off", "-H", "appliance-a"));
            assertEquals(0, off.exit(), off.toString());
            Thread.sleep(300);
            String log = d.log();
            assertEquals(1, log.lines().filter(l -> l.contains("off 'appliance-a' -> SUCCESS")).count(), log);
            assertTrue(log.contains("duplicate of a request handled in the last 10 s dropped"), log);
            for (String size : List.of("0", "1", "100", "175", "177", "1500")) {
                Commands.Result junk = ns.run(5000, List.of("bash", "-c",
                        "head -c " + size + " /dev/urandom > /dev/udp/127.0.0.1/1229"));
                assertEquals(0, junk.exit(), junk.toString());
            }
            Commands.Result sig = ns.run(5000, List.of("bash", "-c",
                    "head -c 176 /dev/zero | tr '\\0' '\\101' > /dev/udp/127.0.0.1/1229"));
            assertEquals(0, sig.exit(), sig.toString());
            Commands.Result st = ns.run(40_000, Commands.concat(client, "-o", "status", "-H", "appliance-a"));
            assertEquals(2, st.exit(), "still serving, and appliance-a is off: " + st);
            log = d.log();
            assertTrue(log.contains("malformed request dropped: request is 100 bytes"), log);
            assertTrue(log.contains("malformed request dropped: request is 1500 bytes"), log);
            assertTrue(log.contains("malformed request dropped: domain field is not NUL-terminated"), log);
            assertTrue(d.process().isAlive());
        }
    }

    @Test
    void hardenedRoundTripsOverMulticastAndStockClientsAreRefused() throws Exception {
        Path hkey = dir.resolve("hardened.key");
        dev.palisade.fence.FenceKeygen.write(hkey, true);
        Path conf = Fixtures.write(dir.resolve("hardened.conf"), """
                listeners { multicast { key_file = "%s"; address = "225.0.0.12"; port = "1229"; auth = "hardened"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(hkey, uri));
        try (DaemonProcess d = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf)), dir.resolve("hm.log"))) {
            ns.awaitPort(1229, true, d.process(), 20_000);
            List<String> agent = List.of("-k", hkey.toString(), "-t", "10", "-r", "10");
            Commands.Result status = ns.run(60_000, DaemonProcess.ourFenceAgent(
                    Commands.concat(agent, "-o", "status", "-H", "appliance-b").toArray(String[]::new)));
            assertEquals(0, status.exit(), status.toString());
            assertEquals("Status: ON\n", status.stdout());
            Commands.Result off = ns.run(60_000, DaemonProcess.ourFenceAgent(
                    Commands.concat(agent, "-o", "off", "-H", "appliance-b").toArray(String[]::new)));
            assertEquals(0, off.exit(), off.toString());
            Commands.Result list = ns.run(60_000, DaemonProcess.ourFenceAgent(
                    Commands.concat(agent, "-o", "list").toArray(String[]::new)));
            assertEquals(0, list.exit(), list.toString());
            assertTrue(list.stdout().contains("appliance-b                      22222222-2222-4222-8222-222222222222 off"),
                    list.stdout());
            Commands.Result stock = ns.run(40_000, List.of(Commands.require("fence_xvm"), "-k", hkey.toString(), "-t",
                    "2", "-r", "10", "-o", "on", "-H", "appliance-b"));
            assertEquals(1, stock.exit(), stock.toString());
            String log = d.log();
            assertTrue(log.contains("off 'appliance-b' -> SUCCESS (hardened"), log);
            assertTrue(log.contains("legacy (stock fence_virt) request refused: this listener requires hardened auth"), log);
            assertTrue(!log.contains("on 'appliance-b' -> SUCCESS"), log);
        }
    }
}
