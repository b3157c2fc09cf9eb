package dev.palisade.fence.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigParserTest {

    /** Debian 12's shipped /etc/fence_virt.conf, verbatim (trailing blank after "libvirt {" included). */
    static final String DEBIAN_DEFAULT = Golden.text("debian-fence_virt.conf");

    @Test
    void parsesDebiansDefaultFile() throws Exception {
        ConfigBlock root = ConfigParser.parse("fence_virt.conf", DEBIAN_DEFAULT);
        assertEquals("multicast", root.block("fence_virtd").orElseThrow().last("listener").orElseThrow().value());
        ConfigBlock mc = root.block("listeners").orElseThrow().block("multicast").orElseThrow();
        assertEquals("virbr0", mc.last("interface").orElseThrow().value());
        ConfigEntry addr = mc.last("address").orElseThrow();
        assertEquals(9, addr.keyPosition().line());
        assertEquals(3, addr.keyPosition().column());
        assertEquals(13, addr.valuePosition().column());
    }

    @Test
    void blockWithValueLastOccurrenceWinsAndNamesIgnoreCase() throws Exception {
        ConfigBlock root = ConfigParser.parse("f", """
                groups { group = "g1" { ip = "10.0.0.1"; ip = "10.0.0.2"; uuid = "a"; }; }
                X { k = "1"; k = "2"; }
                """);
        ConfigBlock g = root.block("GROUPS").orElseThrow().blocks("group").get(0);
        assertEquals("g1", g.value());
        assertEquals(2, g.all("ip").size());
        assertEquals("2", root.block("x").orElseThrow().last("K").orElseThrow().value());
    }

    @Test
    void identifiersMayContainPunctuation() throws Exception {
        ConfigBlock root = ConfigParser.parse("f", "a.b-c/d:e { x@y = \"v w\"; }");
        assertEquals("v w", root.block("a.b-c/d:e").orElseThrow().last("x@y").orElseThrow().value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a = b;                 | 1:5  | double-quoted",
        "a = \"\";              | 1:5  | empty value",
        "a = \"x\"              | 1:8  | expected ';'",
        "a \"x\";               | 1:3  | expected '=' or '{'",
        "a { b = \"1\";         | 1:1  | never closed",
        "}                      | 1:1  | without a matching",
        "= \"x\";               | 1:1  | unexpected '='",
        "a = \"unterminated     | 1:5  | not closed",
    })
    void errorsNameLineColumnAndFix(String text, String at, String what) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("t.conf", text.strip()));
        assertTrue(e.getMessage().startsWith("t.conf:" + at + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void errorOnALaterLineCountsLines() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("t.conf", "a {\n  # comment\n  b = \"1\"\n}\n"));
        assertEquals(4, e.position().line());
        assertEquals(1, e.position().column());
    }

    @Test
    void nestingIsBounded() {
        String deep = "a { ".repeat(40) + "} ".repeat(40);
        assertThrows(ConfigException.class, () -> ConfigParser.parse("t", deep));
    }

    @Test
    void binaryFileIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("key", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}));
        assertTrue(e.getMessage().contains("not UTF-8"));
    }

    @Test
    void controlCharactersAreRefusedWithTheirPosition() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("t.conf", "a {\n  k = \"/etc/x\u0000y\";\n}"));
        assertEquals(2, e.position().line());
        assertEquals(14, e.position().column());
        assertTrue(e.getMessage().contains("U+0000"), e.getMessage());
    }
}
