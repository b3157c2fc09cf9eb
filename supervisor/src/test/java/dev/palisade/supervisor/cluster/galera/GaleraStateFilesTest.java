package dev.palisade.supervisor.cluster.galera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** grastate.dat, gvwstate.dat and the --wsrep-recover log as galera-4 26.4 and MariaDB 10.11 write them, and one test per kind of damage. */
class GaleraStateFilesTest {
    static final String GRASTATE_CRASHED = """
            # GALERA saved state
            version: 2.1
            uuid:    6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c
            seqno:   -1
            safe_to_bootstrap: 0
            """;
    static final String GRASTATE_LAST_TO_LEAVE = """
            # GALERA saved state
            version: 2.1
            uuid:    6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c
            seqno:   1234
            safe_to_bootstrap: 1
            """;
    static final String GVWSTATE = """
            my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4
            #vwbeg
            view_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5
            bootstrap: 0
            member: 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 0
            member: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4 0
            member: ab7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4 0
            #vwend
            """;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsGrastateAfterACrashAndAfterACleanLastShutdown() throws Exception {
        GraState crashed = GraState.parse(b(GRASTATE_CRASHED));
        assertEquals(UUID.fromString("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c"), crashed.uuid());
        assertEquals(-1, crashed.seqno());
        assertFalse(crashed.safeToBootstrap());
        assertEquals("2.1", crashed.version());
        GraState last = GraState.parse(b(GRASTATE_LAST_TO_LEAVE));
        assertEquals(1234, last.seqno());
        assertTrue(last.safeToBootstrap());
        GraState old = GraState.parse(b("uuid: 00000000-0000-0000-0000-000000000000\nseqno: -1\n"));
        assertEquals(GraState.ZERO, old.uuid());
        assertFalse(old.safeToBootstrap(), "files older than Galera 3.19 have no safe_to_bootstrap");
        assertEquals(7, GraState.parse(b("uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\r\nseqno: 7\r\nfuture_key: x\r\n"))
                .seqno());
    }

    @Test
    void marksTheElectedNodeSafeAndKeepsEveryOtherByte() throws Exception {
        String marked = GraState.markedSafe(GRASTATE_CRASHED);
        assertEquals(GRASTATE_CRASHED.replace("safe_to_bootstrap: 0", "safe_to_bootstrap: 1"), marked);
        assertTrue(GraState.parse(b(marked)).safeToBootstrap());
        assertEquals(GRASTATE_LAST_TO_LEAVE, GraState.markedSafe(GRASTATE_LAST_TO_LEAVE));
        String old = "uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\nseqno: 4";
        assertEquals(old + "\nsafe_to_bootstrap: 1\n", GraState.markedSafe(old));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TOO_LARGE | BIG
            NOT_TEXT  | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\u0000\\nseqno: 1
            SYNTAX    | uuid 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno: 1
            MISSING   | version: 2.1\\nseqno: 1
            MISSING   | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c
            DUPLICATE | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno: 1\\nseqno: 2
            UUID      | uuid: 6fd3d5b7-f0d6-11ee-8b8a\\nseqno: 1
            UUID      | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3z\\nseqno: 1
            SEQNO     | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno: -2
            SEQNO     | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno: 99999999999999999999
            SEQNO     | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno:
            FLAG      | uuid: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c\\nseqno: 1\\nsafe_to_bootstrap: yes
            """)
    void refusesADamagedGrastate(GaleraStateException.Defect defect, String text) {
        byte[] raw = text.equals("BIG") ? new byte[70_000] : b(unescape(text));
        GaleraStateException e = assertThrows(GaleraStateException.class, () -> GraState.parse(raw));
        assertEquals(defect, e.defect(), e.getMessage());
    }

    @Test
    void readsGvwstateAndComparesViews() throws Exception {
        GvwState g = GvwState.parse(b(GVWSTATE));
        assertEquals(UUID.fromString("9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4"), g.myUuid());
        assertEquals(new GvwState.View(3, UUID.fromString("1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e"), 5), g.view());
        assertEquals(3, g.members().size());
        assertEquals(g.view(), GvwState.parse(b(GVWSTATE.replace("9a7c6d5e", "9a7c6d5f"))).view());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TOO_LARGE | BIG
            NOT_TEXT  | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\u0001
            MISSING   | #vwbeg\\nview_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5\\n#vwend
            DUPLICATE | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\nmy_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4
            SYNTAX    | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\nview_id 3\\n#vwend
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\nview_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwend
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\n#vwbeg
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\nview_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e\\n#vwend
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\nview_id: x 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5\\n#vwend
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\nmember: 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 0
            VIEW      | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\nview_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5
            UUID      | my_uuid: nope
            SEQNO     | my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4\\n#vwbeg\\nview_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e q\\n#vwend
            """)
    void refusesADamagedGvwstate(GaleraStateException.Defect defect, String text) {
        byte[] raw = text.equals("BIG") ? new byte[70_000] : b(unescape(text));
        GaleraStateException e = assertThrows(GaleraStateException.class, () -> GvwState.parse(raw));
        assertEquals(defect, e.defect(), e.getMessage());
    }

    @Test
    void readsTheLastRecoveredPositionOfTheLog() throws Exception {
        String log = """
                2026-12-05 20:01:02 0 [Note] InnoDB: Starting crash recovery from checkpoint LSN=46846
                2026-12-05 20:01:02 0 [Note] WSREP: Recovered position: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c:12
                2026-12-05 20:03:04 0 [Note] WSREP: Recovered position: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c:31
                2026-12-05 20:03:04 0 [Note] InnoDB: Buffer pool(s) dump completed
                """;
        RecoveredPosition p = RecoveredPosition.parse(b(log));
        assertEquals(31, p.seqno());
        assertEquals("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c:31", p.toString());
        assertEquals(-1, RecoveredPosition.parse(b("[Note] WSREP: Recovered position: "
                + "00000000-0000-0000-0000-000000000000:-1\n")).seqno());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            MISSING | [ERROR] InnoDB: Plugin initialization aborted
            UUID    | WSREP: Recovered position: 6fd3d5b7:12
            SEQNO   | WSREP: Recovered position: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c:-7
            """)
    void refusesARecoveryLogWithoutAUsablePosition(GaleraStateException.Defect defect, String text) {
        GaleraStateException e = assertThrows(GaleraStateException.class, () -> RecoveredPosition.parse(b(text)));
        assertEquals(defect, e.defect(), e.getMessage());
    }

    @Test
    void refusesAnAbsurdlyLargeRecoveryLog() {
        GaleraStateException e = assertThrows(GaleraStateException.class,
                () -> RecoveredPosition.parse(new byte[17 * 1024 * 1024]));
        assertEquals(GaleraStateException.Defect.TOO_LARGE, e.defect());
    }

    static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\u0000", "\u0000").replace("\\u0001", "\u0001");
    }
}
