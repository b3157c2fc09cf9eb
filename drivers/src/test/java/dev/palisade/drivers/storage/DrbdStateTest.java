package dev.palisade.drivers.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** drbdsetup events2 --now output as DRBD 9 prints it, and everything that is not. */
class DrbdStateTest {
    static final String CONNECTED_SECONDARY = """
            exists resource name:r0 role:Secondary suspended:no write-ordering:flush
            exists connection name:r0 peer-node-id:1 conn-name:pf2 connection:Connected role:Primary
            exists device name:r0 volume:0 minor:0 backing_dev:/dev/vdb disk:UpToDate client:no quorum:yes
            exists peer-device name:r0 peer-node-id:1 conn-name:pf2 volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no
            exists path name:r0 peer-node-id:1 conn-name:pf2 local:ipv4:10.97.0.1:7789 peer:ipv4:10.97.0.2:7789 established:yes
            exists -
            """;

    @Test
    void readsRoleDisksConnectionsAndPeerDisks() throws Exception {
        DrbdState s = DrbdState.parse("r0", CONNECTED_SECONDARY);
        assertEquals("Secondary", s.role());
        assertEquals(List.of("UpToDate"), s.disks());
        assertEquals(List.of("Connected"), s.connections());
        assertEquals(List.of("UpToDate"), s.peerDisks());
        assertTrue(s.upToDate());
        assertTrue(s.connected());
        assertFalse(s.primary());
        assertEquals(List.of(new DrbdState.Volume(0, "UpToDate")), s.volumes());
        assertEquals(List.of(new DrbdState.PeerVolume("1", "Primary", 0, "UpToDate")), s.peerVolumes(),
                "the peer's node id and role from its connection line, for status and metrics");
        DrbdState lone = DrbdState.parse("r0", """
                exists resource name:r0 role:Secondary suspended:no
                exists connection name:r0 peer-node-id:1 conn-name:pf2 connection:Connecting role:Unknown
                exists device name:r0 volume:0 minor:0 disk:Consistent client:no
                exists device name:r0 volume:1 minor:1 disk:UpToDate client:no
                exists peer-device name:r0 peer-node-id:1 conn-name:pf2 volume:0 replication:Off peer-disk:DUnknown
                exists -
                """);
        assertFalse(lone.upToDate(), "every volume must be UpToDate");
        assertTrue(lone.consistent());
        assertFalse(lone.connected());
    }

    @Test
    void everythingElseIsRefusedWithItsLine() {
        for (String[] bad : new String[][] {
                {"", "no 'resource' line"},
                {"exists resource name:r0 role:Primary\n", "cut short"},
                {"change resource name:r0 role:Primary\nexists -\n", "line 1: 'change'"},
                {"exists resource name:r1 role:Primary\nexists -\n", "resource 'r1', not 'r0'"},
                {"exists resource name:r0 role:Primary\nexists device name:r0 volume:0\nexists -\n", "line 2: no 'disk'"},
                {"exists resource name:r0 role\nexists -\n", "'role' is not key:value"},
                {"exists gadget name:r0 x:y\nexists -\n", "unknown object 'gadget'"},
                {"exists resource name:r0 role:Primary\nexists -\nexists -\n", "after 'exists -'"},
                {"exists resource\nexists -\n", "without fields"},
                {"exists resource name:r0 role:Primary\nexists device name:r0 volume:x1 disk:UpToDate\nexists -\n",
                        "line 2: volume 'x1' is not a volume number"},
                {"exists resource name:r0 role:Primary\nexists peer-device name:r0 peer-node-id:1 volume:-1"
                        + " peer-disk:UpToDate\nexists -\n", "line 2: volume '-1' is not a volume number"}}) {
            DrbdState.ParseException e = assertThrows(DrbdState.ParseException.class,
                    () -> DrbdState.parse("r0", bad[0]), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
        }
    }
}
