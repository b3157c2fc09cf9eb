package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FencingConfigTest {
    static final String FENCING = """
            fencing {
              verify_timeout = "15s";
              node {
                name = "pf2";
                delay = "5s";
                level { device { type = "ipmi"; host = "10.0.0.12"; user = "fence"; password_file = "/etc/palisade/pf2.ipmi"; cipher_suite = "17"; privilege = "operator"; } }
                level {
                  device { type = "agent"; agent = "fence_apc"; ip = "10.0.0.40"; plug = "3"; username = "apc"; password = "s3cret"; }
                  device { type = "agent"; agent = "fence_apc"; ip = "10.0.0.41"; plug = "3"; username = "apc"; password = "s3cret"; }
                }
              }
              node {
                name = "pf1";
                level { device { type = "fence_virt"; address = "192.168.122.1"; key_file = "/etc/cluster/fence_xvm.key"; domain = "pf1"; } }
              }
            }
            """;

    private static FencingConfig read(String text) throws ConfigException {
        return FencingConfig.from(ConfigParser.parse("f.conf", text));
    }

    private static String error(String text) {
        return assertThrows(ConfigException.class, () -> read(text)).getMessage();
    }

    @Test
    void levelsDevicesAndDefaults() throws Exception {
        FencingConfig c = read(FENCING);
        assertEquals(Duration.ofSeconds(15), c.verifyTimeout());
        assertEquals(Duration.ofMillis(250), c.pollInterval());
        assertEquals(Duration.ofSeconds(60), c.monitorInterval(), "devices are read every minute by default");
        FencingConfig.NodeFencing pf2 = c.node("PF2").orElseThrow();
        assertEquals(Duration.ofSeconds(5), pf2.delay());
        assertEquals(2, pf2.levels().size());
        FencingConfig.Ipmi ipmi = assertInstanceOf(FencingConfig.Ipmi.class, pf2.levels().get(0).get(0));
        assertEquals(623, ipmi.port());
        assertEquals(17, ipmi.cipherSuite());
        assertEquals("operator", ipmi.privilege());
        assertEquals(2, pf2.levels().get(1).size());
        FencingConfig.Agent apc = assertInstanceOf(FencingConfig.Agent.class, pf2.levels().get(1).get(0));
        assertEquals("3", apc.parameters().get("plug"));
        assertEquals(Duration.ofSeconds(60), apc.timeout());
        FencingConfig.FenceVirt v = assertInstanceOf(FencingConfig.FenceVirt.class,
                c.node("pf1").orElseThrow().levels().get(0).get(0));
        assertEquals(null, v.hash(), "hardened by default");
        assertEquals(Duration.ZERO, c.node("pf1").orElseThrow().delay());
        String dump = c.dump();
        assertTrue(dump.contains("password = \"(hidden)\""), dump);
        assertTrue(!dump.contains("s3cret"), dump);
        assertEquals(dump, read(dump).dump(), "the dump reads back to the same configuration");
    }

    @Test
    void mistakesNameTheirPlaceAndTheFix() {
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; host = \"h\"; user = \"u\"; } } } }")
                .matches("(?s)f\\.conf:1:\\d+: .*exactly one of password, password_file.*"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; host = \"h\"; user = \"u\"; password = \"p\"; cipher_suite = \"0\"; } } } }")
                .contains("cipher suite 0 is refused: it accepts any password"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; host = \"h\"; user = \"u\"; password = \"p\"; cipher_suite = \"2\"; } } } }")
                .contains("it does not encrypt"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; host = \"h\"; user = \"u\"; password = \"p\"; cipher_suite = \"7\"; } } } }")
                .contains("use one of: 0, 1, 2, 3, 17"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ilo\"; } } } }").contains("ipmi, fence_virt, agent"));
        assertTrue(error("fencing { node { name = \"a\"; } }").contains("has no fencing level"));
        assertTrue(error("fencing { node { name = \"a\"; level { } } }").contains("a fencing level without devices"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"agent\"; agent = \"fence_apc\"; action = \"reboot\"; } } } }")
                .contains("'action' is chosen by the coordinator"));
        String dup = "fencing { node { name = \"a\"; level { device { type = \"agent\"; agent = \"x\"; } } }\n"
                + "node { name = \"A\"; level { device { type = \"agent\"; agent = \"x\"; } } } }";
        assertTrue(error(dup).contains("has two fencing blocks (the other at f.conf:1:"), error(dup));
        assertTrue(error("fencing { poll_interval = \"30s\"; }").contains("longer than verify_timeout"));
        assertTrue(error("fencing {\n  monitor_interval = \"1s\"; }")
                .matches("(?s)f\\.conf:2:\\d+: monitor_interval 1s would keep the fence devices busy.*\"0s\" turns the reads off.*"),
                error("fencing {\n  monitor_interval = \"1s\"; }"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"fence_virt\"; address = \"1.2.3.4\"; key_file = \"k\"; domain = \"d\"; hash = \"sha1\"; } } } }")
                .contains("'hash' is a legacy setting"));
        assertTrue(error("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; hots = \"h\"; } } } }")
                .contains("hots"));
    }

    @Test
    void deviceReadsCanBeSpacedOrTurnedOff() throws Exception {
        assertEquals(Duration.ofMinutes(5), read("fencing { monitor_interval = \"5min\"; }").monitorInterval());
        FencingConfig off = read("fencing { monitor_interval = \"0s\"; node { name = \"a\"; level { device {"
                + " type = \"agent\"; agent = \"fence_apc\"; } } } }");
        assertEquals(Duration.ZERO, off.monitorInterval());
        assertEquals(off.dump(), read(off.dump()).dump());
    }

    @Test
    void aWeakSuiteNeedsItsOwnYes() throws Exception {
        FencingConfig c = read("fencing { node { name = \"a\"; level { device { type = \"ipmi\"; host = \"h\";"
                + " user = \"u\"; password = \"p\"; cipher_suite = \"2\"; allow_weak_cipher_suite = \"yes\"; } } } }");
        FencingConfig.Ipmi i = (FencingConfig.Ipmi) c.nodes().get(0).levels().get(0).get(0);
        assertEquals(2, i.cipherSuite());
        assertTrue(i.allowWeakSuite());
        assertEquals(c.dump(), read(c.dump()).dump());
    }

    @Test
    void aSupervisorConfigCarriesItsFencingAndDumpsIt() throws Exception {
        SupervisorConfig s = SupervisorConfigTest.read(SupervisorConfigTest.SKETCH + FENCING);
        assertEquals(2, s.fencing().nodes().size());
        assertEquals(s.dump(), SupervisorConfigTest.read(s.dump()).dump());
    }
}
