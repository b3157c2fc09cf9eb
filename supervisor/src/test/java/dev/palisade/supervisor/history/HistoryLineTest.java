package dev.palisade.supervisor.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.history.HistoryLine.Defect;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history's line format: what it writes it reads back, and every kind of damaged line is refused. */
class HistoryLineTest {
    @Test
    void aTransitionWithTabsNewlinesAndBackslashesInItsReasonComesBackAsItWasWritten() throws Exception {
        HistoryRecord.Transition t = new HistoryRecord.Transition(7, 1_700_000_000_123L, 42, State.ACTIVE,
                State.RELEASING, "operator: standby\tfrom ctl\nline two \\ and a backslash, and a comma");
        String line = HistoryLine.encode(t);
        assertTrue(line.indexOf('\n') < 0, "one record is one line: " + line);
        assertEquals(t, HistoryLine.parse(line));
    }

    @Test
    void aFenceWithCommasInItsDeviceNamesComesBackAsItWasWritten() throws Exception {
        HistoryRecord.Fence f = new HistoryRecord.Fence(8, 1_700_000_000_456L, "pf2", HistoryRecord.Result.FAILED, 2,
                1234, List.of("ipmi,bmc", "virt\\one", ""), "level 2 virt: off FAILED (1234 ms): timed out\t!");
        assertEquals(f, HistoryLine.parse(HistoryLine.encode(f)));
        HistoryRecord.Fence none = new HistoryRecord.Fence(9, 1, "pf2", HistoryRecord.Result.CANCELLED, 0, 0,
                List.of(), "");
        assertEquals(none, HistoryLine.parse(HistoryLine.encode(none)));
    }

    @Test
    void aVeryLongReasonIsCutSoThatItsLineStaysReadable() throws Exception {
        String reason = "\\".repeat(10_000);
        HistoryRecord.Transition t = new HistoryRecord.Transition(1, 2, 3, State.STANDBY, State.ACTIVE, reason);
        String line = HistoryLine.encode(t);
        assertTrue(line.length() <= HistoryLine.MAX_LINE, "line of " + line.length());
        HistoryRecord.Transition back = (HistoryRecord.Transition) HistoryLine.parse(line);
        assertTrue(back.reason().startsWith("\\".repeat(100)) && back.reason().endsWith("..."), back.reason());
    }

    private static Defect defect(String line) {
        return assertThrows(HistoryLine.FormatException.class, () -> HistoryLine.parse(line)).defect();
    }

    @Test
    void anEmptyLineIsRefused() {
        assertEquals(Defect.EMPTY, defect(""));
    }

    @Test
    void anUnknownKindIsRefused() {
        assertEquals(Defect.UNKNOWN_KIND, defect("T2\t1\t2\t3\tACTIVE\tSTANDBY\tx"));
        assertEquals(Defect.UNKNOWN_KIND, defect("garbage"));
    }

    @Test
    void aLineCutShortByAPowerCutIsRefused() {
        assertEquals(Defect.FIELD_COUNT, defect("T1\t1\t2\t3\tACTIVE"));
        assertEquals(Defect.FIELD_COUNT, defect("F1\t1\t2\tpf2\tFENCED\t1\t30\tipmi\tdone\textra"));
    }

    @Test
    void aNumberThatIsNotOneIsRefused() {
        assertEquals(Defect.NUMBER, defect("T1\t-1\t2\t3\tACTIVE\tSTANDBY\tx"));
        assertEquals(Defect.NUMBER, defect("T1\t1\t99999999999999999999\t3\tACTIVE\tSTANDBY\tx"));
        assertEquals(Defect.NUMBER, defect("F1\t1\t2\tpf2\tFENCED\t65\t30\tipmi\tdone"));
        assertEquals(Defect.NUMBER, defect("F1\t1\t2\tpf2\tFENCED\t1\t3 0\tipmi\tdone"));
    }

    @Test
    void anUnknownStateIsRefused() {
        assertEquals(Defect.STATE, defect("T1\t1\t2\t3\tACTIVE\tactive\tx"));
    }

    @Test
    void anUnknownFenceResultIsRefused() {
        assertEquals(Defect.RESULT, defect("F1\t1\t2\tpf2\tOFF\t1\t30\tipmi\tdone"));
    }

    @Test
    void aBrokenEscapeIsRefused() {
        assertEquals(Defect.ESCAPE, defect("T1\t1\t2\t3\tACTIVE\tSTANDBY\tends in \\"));
        assertEquals(Defect.ESCAPE, defect("T1\t1\t2\t3\tACTIVE\tSTANDBY\t\\x"));
        assertEquals(Defect.ESCAPE, defect("T1\t1\t2\t3\tACTIVE\tSTANDBY\tno \\, here"));
        assertEquals(Defect.ESCAPE, defect("F1\t1\t2\tpf2\tFENCED\t1\t30\tipmi\\\tdone"));
    }

    @Test
    void anOverlongLineIsRefused() {
        assertEquals(Defect.TOO_LONG, defect("T1\t1\t2\t3\tACTIVE\tSTANDBY\t" + "x".repeat(HistoryLine.MAX_LINE)));
    }
}
