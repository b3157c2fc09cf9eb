package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VrrpConfigTest {
    static final String ISSUE = """
            vrrp {
              instance { name = "VI_1"; interface = "eth0"; vrid = "51"; version = "3"; priority = "150"; advert_int = "1"; vip = "192.168.1.10/24"; preempt = "yes"; }
            }
            """;

    private static VrrpConfig read(String text) throws ConfigException {
        return VrrpConfig.from(ConfigParser.parse("v.conf", text));
    }

    private static String error(String instanceBody) {
        return assertThrows(ConfigException.class, () -> read("vrrp { instance { " + instanceBody + " } }")).getMessage();
    }

    @Test
    void theIssueSketchAndDefaults() throws Exception {
        VrrpConfig.Instance i = read(ISSUE).instances().get(0);
        assertEquals(51, i.vrid());
        assertEquals(150, i.priority());
        assertEquals(100, i.advertIntervalCs());
        assertEquals("192.168.1.10/24", i.vips().get(0).toString());
        assertEquals(5, i.garpRepeat());
        assertEquals(Duration.ZERO, i.preemptDelay());
        VrrpConfig.Instance fast = read("vrrp { instance { name = \"v6\"; interface = \"eth0\"; vrid = \"7\";"
                + " advert_int = \"0.1\"; vip = \"fe80::7/64\"; vip = \"2001:db8::7/64\"; preempt = \"no\";"
                + " unicast_peer = \"fe80::2\"; garp_form = \"reply\"; } }").instances().get(0);
        assertEquals(10, fast.advertIntervalCs());
        assertTrue(fast.ipv6());
        assertEquals(2, fast.vips().size());
        assertEquals(false, fast.preempt());
        assertEquals(10, read("vrrp { instance { name = \"a\"; interface = \"e\"; vrid = \"1\"; advert_int = \"100ms\";"
                + " vip = \"10.0.0.1/24\"; } }").instances().get(0).advertIntervalCs());
        VrrpConfig c = read(ISSUE);
        assertEquals(c.dump(), read(c.dump()).dump());
    }

    @Test
    void mistakesNameTheirPlaceAndTheFix() {
        String base = "name = \"a\"; interface = \"eth0\"; vrid = \"1\"; vip = \"10.0.0.1/24\"; ";
        assertTrue(error(base + "version = \"2\"; advert_int = \"0.5\";").contains("v.conf:1:")
                && error(base + "version = \"2\"; advert_int = \"0.5\";").contains("not 1 to 255 whole seconds"));
        assertTrue(error(base + "advert_int = \"0.005\";").contains("not 0.01 to 40.95 s"));
        assertTrue(error(base + "advert_int = \"50s\";").contains("not 0.01 to 40.95 s"));
        assertTrue(error("name = \"a\"; interface = \"eth0\"; vip = \"10.0.0.1/24\";").contains("has no vrid"));
        assertTrue(error("name = \"a\"; interface = \"eth0\"; vrid = \"1\";").contains("has no vip"));
        assertTrue(error(base + "vrid = \"256\";").contains("vrid"));
        assertTrue(error(base + "priority = \"0\";").contains("priority"));
        assertTrue(error(base + "vip = \"2001:db8::1/64\";").contains("IPv4 and IPv6 addresses in one instance"));
        assertTrue(error("name = \"a\"; interface = \"e\"; vrid = \"1\"; version = \"2\"; vip = \"2001:db8::1/64\";")
                .contains("VRRPv2 has no IPv6"));
        assertTrue(error(base.replace("10.0.0.1/24", "10.0.0.1/33")).contains("not ADDRESS/PREFIX"));
        assertTrue(error(base + "auth_pass = \"x\";").contains("auth_pass exists only in VRRPv2"));
        assertTrue(error(base + "version = \"2\"; auth_pass = \"123456789\";").contains("1 to 8 characters"));
        assertTrue(error(base + "unicast_peer = \"fe80::1\";").contains("is not an IPv4 address"));
        assertTrue(error(base + "virtual_router_id = \"1\";").contains("virtual_router_id"));
        String dup = "vrrp { instance { " + base + " } instance { name = \"b\"; interface = \"eth0\"; vrid = \"1\";"
                + " vip = \"10.0.0.2/24\"; } }";
        assertTrue(assertThrows(ConfigException.class, () -> read(dup)).getMessage().contains("already instance 'a'"));
    }

    @Test
    void aSupervisorConfigCarriesItsVrrp() throws Exception {
        SupervisorConfig s = SupervisorConfigTest.read(SupervisorConfigTest.SKETCH + ISSUE);
        assertEquals(1, s.vrrp().instances().size());
        assertEquals(s.dump(), SupervisorConfigTest.read(s.dump()).dump());
    }
}
