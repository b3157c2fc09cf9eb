package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SupervisorConfigTest {
    static final String SKETCH = """
            supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; warntime = "300ms"; deadtime = "500ms"; initdead = "10s"; auto_failback = "off"; }
            auth { key_file = "/etc/palisade/cluster.key"; }
            links {
              serial { device = "/dev/ttyS1"; baud = "19200"; }
              udp { interface = "eth1"; peer = "10.10.100.2"; port = "694"; }
            }
            """;

    static SupervisorConfig read(String text) throws ConfigException {
        return SupervisorConfig.from(Path.of("s.conf"), ConfigParser.parse("s.conf", text));
    }

    @Test
    void theIssueSketchIsAValidConfig() throws Exception {
        SupervisorConfig c = read(SKETCH);
        assertEquals("pf1", c.node());
        assertEquals(Duration.ofMillis(100), c.keepalive());
        assertEquals(Duration.ofMillis(500), c.deadtime());
        assertEquals(Duration.ofSeconds(10), c.initdead());
        assertEquals(19200, c.serialLinks().get(0).baud());
        assertEquals(SupervisorConfig.UdpMode.UNICAST, c.udpLinks().get(0).mode());
        // the dump is itself a valid config with the same meaning
        assertEquals(c.dump(), read(c.dump()).dump());
    }

    @Test
    void defaultsFollowKeepalive() throws Exception {
        SupervisorConfig c = read("""
                supervisor { node = "a"; peer = "b"; keepalive = "200ms"; }
                auth { key_file = "/k"; }
                links { udp { interface = "eth1"; group = "239.0.0.42"; } }
                """);
        assertEquals(Duration.ofSeconds(1), c.deadtime());
        assertEquals(Duration.ofMillis(600), c.warntime());
        assertEquals(Duration.ofSeconds(10), c.initdead());
        assertEquals(694, c.udpLinks().get(0).port());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(100), Durations.parse("100ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofMinutes(15), Durations.parse("15min"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(null, Durations.parse("1mn"));
        assertEquals(null, Durations.parse("h"));
        assertEquals(null, Durations.parse("fast"));
        assertEquals(null, Durations.parse("-1s"));
    }

    private static ConfigException error(String text) {
        return assertThrows(ConfigException.class, () -> read(text));
    }

    @Test
    void mistakesNamePositionAndFix() {
        ConfigException e = error(SKETCH.replace("deadtime = \"500ms\"", "deadtime = \"150ms\""));
        assertEquals(1, e.position().line());
        assertTrue(e.getMessage().contains("at least 2 x keepalive"), e.getMessage());
        e = error(SKETCH.replace("peer = \"pf2\"", "peer = \"pf1\""));
        assertTrue(e.getMessage().contains("both 'pf1'"), e.getMessage());
        e = error(SKETCH.replace("warntime = \"300ms\"", "warntime = \"900ms\""));
        assertTrue(e.getMessage().contains("not between"), e.getMessage());
        e = error(SKETCH.replace("keepalive = \"100ms\"", "keepalive = \"quick\""));
        assertTrue(e.getMessage().contains("not a duration"), e.getMessage());
        e = error(SKETCH.replace("baud = \"19200\"", "speed = \"19200\""));
        assertEquals(4, e.position().line());
        assertTrue(e.getMessage().contains("unknown key 'speed'"), e.getMessage());
        e = error(SKETCH.replace("peer = \"10.10.100.2\"", "group = \"10.10.100.2\""));
        assertTrue(e.getMessage().contains("not multicast"), e.getMessage());
        e = error(SKETCH.replace("links {\n  serial { device = \"/dev/ttyS1\"; baud = \"19200\"; }\n  udp { interface = \"eth1\"; peer = \"10.10.100.2\"; port = \"694\"; }\n}", "links { }"));
        assertTrue(e.getMessage().contains("no heartbeat link"), e.getMessage());
        e = error(SKETCH.replace("port = \"694\"; }", "port = \"694\"; }\n  udp { interface = \"eth2\"; peer = \"10.10.101.2\"; }"));
        assertTrue(e.getMessage().contains("two udp links on port 694"), e.getMessage());
        e = error("auth { key_file = \"/k\"; }");
        assertTrue(e.getMessage().contains("no 'supervisor' block"), e.getMessage());
    }
}
