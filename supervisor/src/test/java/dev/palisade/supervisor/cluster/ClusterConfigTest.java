package dev.palisade.supervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterConfigTest {
    static final String GALERA = "galera::/var/lib/mysql::cluster_address=gcomm://10.0.0.1,10.0.0.2,10.0.0.3"
            + "::node_address=10.0.0.1::provider_options=gcache.size=64M";
    static final String FENCING = """
            fencing {
              node { name = "n2"; level { device { type = "ipmi"; host = "10.0.1.2"; user = "f"; password_file = "/etc/p"; } } }
              node { name = "n3"; level { device { type = "ipmi"; host = "10.0.1.3"; user = "f"; password_file = "/etc/p"; } } }
            }
            vrrp { instance { name = "vi_db"; interface = "eth0"; vrid = "51"; vip = "10.0.0.100/24"; } }
            """;
    static final String GOOD = """
            cluster {
              engine = "corosync";
              node = "n1";
              member { name = "n1"; nodeid = "1"; }
              member { name = "n2"; nodeid = "2"; }
              member { name = "n3"; nodeid = "3"; }
              resource = "%s";
              resource = "vip::vi_db";
            }
            """.formatted(GALERA) + FENCING;

    static ClusterConfig read(String text) throws ConfigException {
        return ClusterConfig.from(Path.of("c.conf"), ConfigParser.parse("c.conf", text));
    }

    @Test
    void readsANodeWithItsDefaultsAndDumpsWhatItRead() throws Exception {
        ClusterConfig c = read(GOOD);
        assertEquals("n1", c.node());
        assertEquals(new Election.Member("n1", 1), c.self());
        assertEquals(3, c.members().size());
        assertEquals("palisade", c.groupName());
        assertEquals(Duration.ofSeconds(1), c.monitorInterval());
        assertEquals(Duration.ofSeconds(30), c.nonPrimaryTimeout());
        assertEquals(Duration.ofSeconds(60), c.pcRecoveryTimeout());
        assertEquals(Path.of("/run/palisade/control.sock"), c.controlSocket());
        assertEquals("gcomm://10.0.0.1,10.0.0.2,10.0.0.3", c.galera().clusterAddress());
        assertTrue(c.galera().wsrepOptions().contains("--wsrep_provider_options=gcache.size=64M"));
        assertTrue(c.galera().wsrepOptions().stream().noneMatch(o -> o.contains("new-cluster")));
        assertEquals(java.util.List.of("vi_db"), c.vips());
        assertEquals(c.dump(), read(c.dump()).dump());
        assertTrue(ClusterConfig.isCluster(ConfigParser.parse("c.conf", GOOD)));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            engine = "corosync";                                  | has no 'node'
            node = "n1";                                          | has no 'engine'
            engine = "pacemaker"; node = "n1";                    | use one of: corosync
            engine = "corosync"; node = "n9";                     | node 'n9' is not one of the members
            engine = "corosync"; node = "n1"; member { name = "n1"; nodeid = "4"; } | repeats the name or nodeid
            engine = "corosync"; node = "n1"; member { name = "n4"; nodeid = "1"; } | repeats the name or nodeid
            engine = "corosync"; node = "n1"; member { name = "n4"; }               | has no nodeid
            engine = "corosync"; node = "n1"; member { name = "n4"; nodeid = "0"; } | nodeid
            engine = "corosync"; node = "n1"; peer = "n2";        | unknown key 'peer'
            engine = "corosync"; node = "n1"; new_cluster_from = "n7"; | new_cluster_from 'n7' is not a member
            engine = "corosync"; node = "n1"; monitor_interval = "10ms"; | below 100ms
            engine = "corosync"; node = "n1"; resource = "mariadb::/var/lib/mysql"; | neither galera:: nor vip::
            engine = "corosync"; node = "n1"; resource = "vip::other"; | names no VRRP instance
            engine = "corosync"; node = "n1"; resource = "galera::/var/lib/mysql";  | needs cluster_address=gcomm://
            engine = "corosync"; node = "n1"; resource = "galera::/d::cluster_address=gcomm://"; | needs cluster_address
            engine = "corosync"; node = "n1"; resource = "galera::/d::cluster_address=gcomm://a::sst=rs ync"; | sst
            engine = "corosync"; node = "n1"; resource = "galera::/d::cluster_address=gcomm://a::bogus=1"; | no argument 'bogus'
            engine = "corosync"; node = "n1"; resource = "galera::/d::cluster_address=gcomm://a::provider=lib.so"; | not an absolute path
            """)
    void mistakesNameTheirPlaceAndTheFix(String changed, String expected) {
        String text = GOOD.replace("engine = \"corosync\";\n  node = \"n1\";", changed);
        ConfigException e = assertThrows(ConfigException.class, () -> read(text));
        assertTrue(e.getMessage().startsWith("c.conf:"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aClusterNeedsItsGaleraResourceAndFencingForEveryOtherMemberOfAVip() {
        String noGalera = GOOD.replace("resource = \"" + GALERA + "\";", "");
        assertTrue(assertThrows(ConfigException.class, () -> read(noGalera)).getMessage().contains("no galera resource"));
        String two = GOOD.replace("resource = \"vip::vi_db\";", "resource = \"" + GALERA + "\";");
        assertTrue(assertThrows(ConfigException.class, () -> read(two)).getMessage().contains("a second galera"));
        String unfenced = GOOD.replace("node { name = \"n3\";", "node { name = \"n4\";");
        ConfigException e = assertThrows(ConfigException.class, () -> read(unfenced));
        assertTrue(e.getMessage().contains("member 'n3' has no fencing"), e.getMessage());
        String noBlock = GOOD.replace("cluster {", "clustre {");
        assertTrue(assertThrows(ConfigException.class, () -> read(noBlock)).getMessage().contains("unknown block"));
    }
}
