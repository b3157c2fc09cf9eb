package dev.palisade.fence.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.testing.Golden;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gateway's {@code http} block: off when absent, one listen address, and one error per kind of mistake. */
class HttpSectionTest {
    private static final String BASE = """
            listeners { tcp { key_file = "/k"; } }
            backends { libvirt { uri = "test:///default"; } }
            """;

    static FenceDaemonConfig read(String text) throws ConfigException {
        return FenceDaemonConfig.from(Path.of("t.conf"), ConfigParser.parse("t.conf", text), Set.of());
    }

    static ConfigException error(String http) {
        return assertThrows(ConfigException.class, () -> read(BASE + http));
    }

    @Test
    void offUnlessPresentSoStockFilesMeanWhatTheyMeant() throws Exception {
        assertNull(read(Golden.text("debian-fence_virt.conf")).http());
        assertNull(read(BASE).http());
    }

    @Test
    void listenAddressIPv4AndIPv6WithItsPosition() throws Exception {
        HttpSection.Http h = read(BASE + "http { listen = \"127.0.0.1:9465\"; }\n").http();
        assertEquals("127.0.0.1:9465", h.listen().toString());
        assertEquals(3, h.position().line());
        assertEquals(17, h.position().column());
        HttpSection.Http v6 = read(BASE + "HTTP { listen = \"[::1]:9465\"; }").http();
        assertTrue(v6.listen().address() instanceof java.net.Inet6Address && v6.listen().address().isLoopbackAddress());
        assertEquals(9465, v6.listen().port());
    }

    @Test
    void aHostNameIsRefusedAtTheValueWithWhatToWrite() {
        ConfigException e = error("http { listen = \"localhost:9465\"; }");
        assertEquals("t.conf:3:17", e.position().toString());
        assertTrue(e.getMessage().contains("host names are not resolved"), e.getMessage());
        assertTrue(e.getMessage().endsWith("write listen = \"127.0.0.1:9465\"; (an address of this host and a port)"),
                e.getMessage());
    }

    private static void assertRefused(String http, String why) {
        String m = error(http).getMessage();
        assertTrue(m.startsWith("t.conf:3:") && m.contains(why), m);
    }

    @Test
    void aBadPortIsRefused() {
        assertRefused("http { listen = \"127.0.0.1:0\"; }", "from 1 to 65535");
        assertRefused("http { listen = \"127.0.0.1:99999\"; }", "from 1 to 65535");
        assertRefused("http { listen = \"127.0.0.1\"; }", "has no :PORT");
        assertRefused("http { listen = \"::1:9465\"; }", "needs brackets");
        assertRefused("http { listen = \"\"; }", "empty value");
    }

    @Test
    void aMissingListenNamesTheBlockAndSaysItIsOffWithoutIt() {
        ConfigException e = error("http { }");
        assertEquals("t.conf:3:1", e.position().toString());
        assertTrue(e.getMessage().contains("the http block has no 'listen'"), e.getMessage());
        assertTrue(e.getMessage().contains("or remove the http block: it is off by default"), e.getMessage());
    }

    @Test
    void aSecondBlockIsRefusedNamingTheFirst() {
        ConfigException e = error("http { listen = \"127.0.0.1:9465\"; }\nhttp { listen = \"127.0.0.1:9466\"; }");
        assertEquals("t.conf:4:1", e.position().toString());
        assertTrue(e.getMessage().contains("a second http block (the first is at t.conf:3:1)"), e.getMessage());
    }

    @Test
    void listenTwiceAndUnknownKeysAndBlocksAreRefused() {
        ConfigException twice = error("http { listen = \"127.0.0.1:9465\"; listen = \"127.0.0.1:9466\"; }");
        assertEquals("t.conf:3:35", twice.position().toString());
        assertTrue(twice.getMessage().contains("'listen' given twice"), twice.getMessage());
        ConfigException key = error("http { listen = \"127.0.0.1:9465\"; port = \"9465\"; }");
        assertTrue(key.getMessage().contains("unknown key 'port' in 'http'"), key.getMessage());
        assertTrue(key.getMessage().contains("known keys here: listen"), key.getMessage());
        ConfigException block = error("http { listen = \"127.0.0.1:9465\"; tls { } }");
        assertTrue(block.getMessage().contains("unknown block 'tls' in 'http'"), block.getMessage());
    }
}
