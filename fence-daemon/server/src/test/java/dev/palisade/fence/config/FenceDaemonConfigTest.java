package dev.palisade.fence.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.FenceDaemonConfig.MulticastListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.wire.HashType;
import java.nio.file.Path;
import java.util.Set;
import dev.palisade.fence.testing.Golden;
import org.junit.jupiter.api.Test;

class FenceDaemonConfigTest {

    static FenceDaemonConfig read(String text) throws ConfigException {
        return FenceDaemonConfig.from(Path.of("t.conf"), ConfigParser.parse("t.conf", text), Set.of());
    }

    static ConfigException error(String text) {
        return assertThrows(ConfigException.class, () -> read(text));
    }

    @Test
    void debianDefaultGivesOneMulticastListenerWithDefaults() throws Exception {
        FenceDaemonConfig c = read(Golden.text("debian-fence_virt.conf"));
        assertEquals(1, c.listeners().size());
        MulticastListenerConfig m = assertInstanceOf(MulticastListenerConfig.class, c.listeners().get(0));
        assertEquals("225.0.0.12", m.group().getHostAddress());
        assertEquals(1229, m.port());
        assertEquals(HashType.SHA256, m.hash());
        assertEquals(HashType.SHA256, m.auth());
        assertEquals("virbr0", m.iface());
        assertEquals(Path.of("/etc/fence_virt.key"), m.keyFile());
        assertEquals(java.util.List.of("qemu:///system"), c.libvirtUris());
    }

    @Test
    void everyListenerSectionRunsNotOnlyTheNamedOne() throws Exception {
        FenceDaemonConfig c = read("""
                fence_virtd { listener = "multicast"; backend = "libvirt"; }
                listeners {
                  multicast { key_file = "/k1"; }
                  tcp { key_file = "/k2"; address = "127.0.0.1"; port = "1230"; hash = "sha512"; auth = "sha1"; }
                }
                backends { libvirt { uri = "test:///default"; uri1 = "qemu:///system"; } }
                """);
        assertEquals(2, c.listeners().size());
        TcpListenerConfig t = assertInstanceOf(TcpListenerConfig.class, c.listeners().get(1));
        assertEquals(1230, t.port());
        assertEquals(HashType.SHA512, t.hash());
        assertEquals(HashType.SHA1, t.auth());
        assertEquals(2, c.libvirtUris().size());
    }

    @Test
    void namedListenerWithoutSectionUsesFenceVirtdDefaults() throws Exception {
        FenceDaemonConfig c = read("""
                fence_virtd { listener = "tcp"; backend = "libvirt"; }
                backends { libvirt { uri = "test:///default"; } }
                """);
        TcpListenerConfig t = assertInstanceOf(TcpListenerConfig.class, c.listeners().get(0));
        assertEquals("127.0.0.1", t.address().getHostAddress());
        assertEquals(Path.of("/etc/cluster/fence_xvm.key"), t.keyFile());
    }

    @Test
    void ipv6Defaults() throws Exception {
        FenceDaemonConfig c = read("""
                listeners { multicast { family = "ipv6"; } tcp { family = "ipv6"; } }
                backends { libvirt { uri = "test:///default"; } }
                """);
        assertEquals("ff05:0:0:0:0:0:3:1", ((MulticastListenerConfig) c.listeners().get(0)).group().getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", ((TcpListenerConfig) c.listeners().get(1)).address().getHostAddress());
        assertNull(((MulticastListenerConfig) c.listeners().get(0)).iface());
    }

    @Test
    void groupsAreRead() throws Exception {
        FenceDaemonConfig c = read("""
                listeners { tcp { } }
                backends { libvirt { uri = "test:///default"; } }
                groups { group { name = "cluster1"; ip = "10.0.0.1"; ip = "10.0.0.2"; uuid = "vm1"; uuid = "vm2"; } }
                """);
        assertEquals(1, c.groups().size());
        assertEquals("cluster1", c.groups().get(0).name());
        assertEquals(2, c.groups().get(0).sources().size());
        assertEquals(2, c.groups().get(0).targets().size());
    }

    @Test
    void unknownKeyNamesPositionAndKnownKeys() {
        ConfigException e = error("""
                listeners {
                  tcp { adress = "127.0.0.1"; }
                }
                backends { libvirt { uri = "test:///default"; } }
                """);
        assertEquals(2, e.position().line());
        assertEquals(9, e.position().column());
        assertTrue(e.getMessage().contains("unknown key 'adress'"), e.getMessage());
        assertTrue(e.getMessage().contains("address"), e.getMessage());
    }

    @Test
    void unknownBlockIsAnError() {
        ConfigException e = error("listners { tcp { } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().startsWith("t.conf:1:1:"), e.getMessage());
        assertTrue(e.getMessage().contains("listeners"), e.getMessage());
    }

    @Test
    void badValuesNameTheValuePosition() {
        ConfigException e = error("listeners { tcp { hash = \"md5\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertEquals(26, e.position().column());
        assertTrue(e.getMessage().contains("none, sha1, sha256, sha512"), e.getMessage());
        e = error("listeners { tcp { port = \"70000\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("1 to 65535"), e.getMessage());
        e = error("listeners { multicast { address = \"10.0.0.1\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("not a multicast group"), e.getMessage());
        e = error("listeners { tcp { address = \"localhost\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("not an IP address"), e.getMessage());
        e = error("listeners { tcp { family = \"ipx\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("ipv4, ipv6"), e.getMessage());
    }

    @Test
    void missingPiecesAreExplained() {
        assertTrue(error("backends { libvirt { uri = \"x\"; } }").getMessage().contains("no listener"));
        assertTrue(error("listeners { tcp { } }").getMessage().contains("no libvirt URI"));
        assertTrue(error("listeners { tcp { } }\nbackends { cpg { } }").getMessage().contains("cpg"));
        assertTrue(error("listeners { tcp { } tcp { } }\nbackends { libvirt { uri = \"x\"; } }")
                .getMessage().contains("two tcp listeners"));
    }

    @Test
    void vsockListenerIsRead() throws Exception {
        FenceDaemonConfig c = read("listeners { vsock { port = \"1230\"; auth = \"hardened\"; } }\n"
                + "backends { libvirt { uri = \"x\"; } }");
        FenceDaemonConfig.VsockListenerConfig v = assertInstanceOf(FenceDaemonConfig.VsockListenerConfig.class,
                c.listeners().get(0));
        assertEquals(1230, v.port());
        assertEquals(dev.palisade.fence.auth.AuthPolicy.HARDENED, v.policy());
    }

    @Test
    void listenerScopeMustNameADefinedGroup() {
        ConfigException e = error("listeners { tcp { group = \"nope\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertEquals(1, e.position().line());
        assertTrue(e.getMessage().contains("no groups/group block defines"), e.getMessage());
    }

    @Test
    void serialListenerIsRead() throws Exception {
        FenceDaemonConfig c = read("""
                listeners { serial { uri = "qemu:///system"; path = "/var/run/fence"; mode = "vmchannel"; } }
                backends { libvirt { uri = "x"; } }
                """);
        FenceDaemonConfig.SerialListenerConfig s = assertInstanceOf(FenceDaemonConfig.SerialListenerConfig.class,
                c.listeners().get(0));
        assertEquals("vmchannel", s.kind());
        assertEquals(Path.of("/var/run/fence"), s.path());
        assertNull(s.keyFile());
        ConfigException e = error("listeners { serial { auth = \"hardened\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("needs a key"), e.getMessage());
        e = error("listeners { serial { path = \"relative\"; } }\nbackends { libvirt { uri = \"x\"; } }");
        assertTrue(e.getMessage().contains("not absolute"), e.getMessage());
    }
}
