package dev.palisade.drivers.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NotifyAddressTest {
    @Test
    void aPathBecomesFamilyPathAndItsNul() {
        NotifyAddress a = NotifyAddress.parse("/run/systemd/notify");
        byte[] expected = new byte[2 + 19 + 1];
        expected[0] = 1; // AF_UNIX, little-endian sa_family_t
        System.arraycopy("/run/systemd/notify".getBytes(), 0, expected, 2, 19);
        assertArrayEquals(expected, a.sockaddr());
        assertFalse(a.isAbstract());
    }

    @Test
    void anAtNameIsAbstractWithALeadingNulAndNoTrailingNul() {
        NotifyAddress a = NotifyAddress.parse("@palisade/notify");
        byte[] expected = new byte[2 + 16];
        expected[0] = 1;
        System.arraycopy("palisade/notify".getBytes(), 0, expected, 3, 15);
        assertArrayEquals(expected, a.sockaddr());
        assertTrue(a.isAbstract());
    }

    @Test
    void theLongestAddressesFit() {
        assertEquals(2 + 108, NotifyAddress.parse("/" + "a".repeat(106)).sockaddr().length);
        assertEquals(2 + 108, NotifyAddress.parse("@" + "a".repeat(107)).sockaddr().length);
    }

    @Test
    void emptyIsRefused() {
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse(""));
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse(null));
    }

    @Test
    void aRelativePathIsRefused() {
        var e = assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("run/notify"));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
    }

    @Test
    void aBareAtIsRefused() {
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("@"));
    }

    @Test
    void aPathTooLongForSunPathIsRefused() {
        var e = assertThrows(NotifyAddress.InvalidAddressException.class,
                () -> NotifyAddress.parse("/" + "a".repeat(107)));
        assertTrue(e.getMessage().contains("at most 107"), e.getMessage());
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("@" + "a".repeat(108)));
    }

    @Test
    void aMultiByteNameIsMeasuredInBytes() {
        // 54 two-byte characters: 108 bytes, one too many for a path
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("/" + "é".repeat(54)));
    }

    @Test
    void aNulInsideAPathIsRefused() {
        assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("/run/a\0b"));
    }

    @Test
    void vsockAddressesAreRefusedByName() {
        var e = assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("vsock:2:1234"));
        assertTrue(e.getMessage().contains("vsock"), e.getMessage());
    }

    @Test
    void controlCharactersAreNotEchoedIntoTheMessage() {
        var e = assertThrows(NotifyAddress.InvalidAddressException.class, () -> NotifyAddress.parse("x\n\u001b[2J"));
        assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
    }
}
