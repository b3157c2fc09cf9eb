package dev.palisade.acceptance.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** view.sh's answer, as the appliance prints it, and what a broken or partial answer reads as. */
class NodeViewTest {
    @Test
    void aHealthyActiveAppliance() {
        NodeView v = NodeView.parse("alpha", """
                systemd=active
                status=ACTIVE, peer STANDBY, 2/2 links
                drbd=Connected Primary/Secondary UpToDate/UpToDate
                vip=yes
                mariadb=yes
                clock=1796511451007329703
                """);
        assertEquals("ACTIVE", v.state());
        assertEquals("STANDBY", v.peerSays());
        assertEquals("2/2 links", v.links());
        assertEquals("Connected", v.connection());
        assertEquals("Primary", v.role());
        assertEquals("UpToDate", v.disk());
        assertEquals("UpToDate", v.peerDisk());
        assertTrue(v.vip() && v.mariadb());
        assertEquals(1796511451007329703L, v.clockNanos());
    }

    @Test
    void anApplianceWaitingForItsConsistentDisk() {
        NodeView v = NodeView.parse("beta", "status=STANDBY (waiting for data), peer not heard, 0/2 links\n"
                + "drbd=WFConnection Secondary/Unknown Consistent/DUnknown\n");
        assertEquals("STANDBY", v.state());
        assertTrue(v.waitingForData());
        assertEquals("Consistent", v.disk());
        assertEquals("Secondary", v.role());
    }

    @Test
    void anUnconfiguredResource() {
        NodeView v = NodeView.parse("beta", "drbd=Unconfigured\n");
        assertEquals("Unconfigured", v.connection());
        assertEquals("", v.role());
        assertEquals("", v.disk());
    }

    @Test
    void aGarbledAnswerReadsAsNothingKnown() {
        NodeView v = NodeView.parse("alpha", "no equals sign\n=value without key\nclock=not-a-number\nvip=maybe\n");
        assertEquals("?", v.unit());
        assertEquals("", v.state());
        assertEquals(0, v.clockNanos());
        assertFalse(v.vip());
        assertEquals("", v.role());
    }

    @Test
    void aTruncatedDrbdLineHasNoRoleOrDisk() {
        NodeView v = NodeView.parse("alpha", "drbd=Connected Primary/Secondary\n");
        assertEquals("", v.role());
        assertEquals("", v.disk());
    }

    @Test
    void anEmptyAnswer() {
        NodeView v = NodeView.parse("alpha", "");
        assertEquals("", v.status());
        assertFalse(v.waitingForData());
        assertFalse(v.mariadb());
    }
}
