package dev.palisade.drivers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code http { listen = "ADDRESS:PORT"; }}: IP literals and a port, every other kind of value refused. */
class ListenAddressTest {
    @Test
    void anIpv4AndABracketedIpv6LiteralWithAPortAreTaken() {
        ListenAddress v4 = ListenAddress.parse("127.0.0.1:9464");
        assertEquals(9464, v4.port());
        assertEquals("127.0.0.1:9464", v4.toString());
        assertEquals("[0:0:0:0:0:0:0:1]:9464", ListenAddress.parse("[::1]:9464").toString()); // Java's full form
        assertEquals("[fe80:0:0:0:0:0:0:1]:1", ListenAddress.parse("[FE80::1]:1").toString());
        assertEquals(65535, ListenAddress.parse("0.0.0.0:65535").port());
    }

    private static String refused(String text) {
        String m = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(text)).getMessage();
        assertTrue(m.contains("expected ADDRESS:PORT"), "the message says what is expected: " + m);
        return m;
    }

    @Test
    void anEmptyValueIsRefused() {
        assertTrue(refused("").startsWith("empty"));
    }

    @Test
    void aValueWithoutAPortIsRefused() {
        assertTrue(refused("127.0.0.1").contains("no :PORT"));
        assertTrue(refused(":9464").contains("no :PORT"));
        assertTrue(refused("[::1]").contains("followed by :PORT"));
        assertTrue(refused("[::1]9464").contains("followed by :PORT"));
    }

    @Test
    void aHostNameIsRefusedAndNeverResolved() {
        assertTrue(refused("localhost:9464").contains("host names are not resolved"));
        assertTrue(refused("[localhost]:9464").contains("not an IPv6 address literal"));
    }

    @Test
    void aMalformedAddressIsRefused() {
        assertTrue(refused("256.0.0.1:9464").contains("not an IPv4 address literal"));
        assertTrue(refused("1.2.3:9464").contains("not an IPv4 address literal"));
        assertTrue(refused("01.2.3.4:9464").contains("not an IPv4 address literal"));
        assertTrue(refused("[1:2:3]:9464").contains("not an IP address literal"));
        assertTrue(refused("[fe80::1%eth0]:9464").contains("not an IPv6 address literal"));
    }

    @Test
    void anIpv6AddressWithoutBracketsIsRefused() {
        assertTrue(refused("::1:9464").contains("needs brackets"));
    }

    @Test
    void aPortOutOfRangeOrNotANumberIsRefused() {
        assertTrue(refused("127.0.0.1:0").contains("from 1 to 65535"));
        assertTrue(refused("127.0.0.1:65536").contains("from 1 to 65535"));
        assertTrue(refused("127.0.0.1:http").contains("from 1 to 65535"));
        assertTrue(refused("127.0.0.1:-1").contains("from 1 to 65535"));
        assertTrue(refused("[::1]:999999").contains("from 1 to 65535"));
    }
}
