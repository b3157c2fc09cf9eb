package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.node.ControlCommand.Kind;
import org.junit.jupiter.api.Test;

/** The control socket's status and history commands, and every kind of malformed one refused with the usage. */
class ControlCommandTest {
    @Test
    void statusLinksResourcesAndTheHistoryCommandsAreParsed() {
        assertEquals(new ControlCommand(Kind.STATUS, "json"), ControlCommand.parse("  status   --json "));
        assertEquals(new ControlCommand(Kind.LINKS, null), ControlCommand.parse("links"));
        assertEquals(new ControlCommand(Kind.RESOURCES, null), ControlCommand.parse("resources"));
        ControlCommand last = ControlCommand.parse("events");
        assertEquals(20, last.number());
        assertFalse(last.since());
        ControlCommand since = ControlCommand.parse("events --since 41");
        assertTrue(since.since());
        assertEquals(41, since.number());
        assertEquals(1000, ControlCommand.parse("fence-history --last 1000").number());
    }

    private static String refused(String line) {
        return assertThrows(IllegalArgumentException.class, () -> ControlCommand.parse(line)).getMessage();
    }

    @Test
    void anUnknownOptionIsRefused() {
        assertEquals("status [--json]", refused("status --xml"));
        assertEquals("events [--last N | --since SEQ]", refused("events --first 3"));
        assertEquals("fence-history [--last N]", refused("fence-history --since 3"));
    }

    @Test
    void aMissingOrExtraArgumentIsRefused() {
        assertEquals("events [--last N | --since SEQ]", refused("events --last"));
        assertEquals("events [--last N | --since SEQ]", refused("events --last 3 4"));
        assertTrue(refused("links now").contains("takes no arguments"));
    }

    @Test
    void aCountThatIsNotANumberOrTooLargeIsRefused() {
        assertTrue(refused("events --last -1").contains("a number from 0 to 1000"));
        assertTrue(refused("events --last 1001").contains("a number from 0 to 1000"));
        assertTrue(refused("events --since 9999999999999999999").contains("a number from 0 to"));
        assertTrue(refused("fence-history --last x").contains("a number from 0 to 1000"));
    }

    @Test
    void anEmptyLineOrAnUnknownCommandIsRefused() {
        assertTrue(refused("   ").startsWith("no command"));
        assertTrue(refused("events2").startsWith("unknown command 'events2'"));
    }
}
