package dev.palisade.supervisor.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.supervisor.history.HistoryLine;
import dev.palisade.supervisor.history.HistoryRecord;

/**
 * Jazzer: lines of events.log and fences.log as a power cut or a failing disk leaves them. Each is a record or a
 * FormatException that says why; a record read back is written again as a line that reads back.
 */
class HistoryLineFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void historyLine(String line) {
        if (line == null) {
            return; // Jazzer's null for a String parameter; a file's lines are never null
        }
        HistoryRecord r;
        try {
            r = HistoryLine.parse(line);
        } catch (HistoryLine.FormatException expected) {
            if (expected.defect() == null || expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a refusal that says nothing", expected);
            }
            return;
        }
        String again = HistoryLine.encode(r);
        if (again.length() > HistoryLine.MAX_LINE || again.indexOf('\n') >= 0) {
            throw new AssertionError("a record written as a line that cannot be read: " + again.length());
        }
        try {
            if (HistoryLine.parse(again).seq() != r.seq()) {
                throw new AssertionError("the record changed its number");
            }
        } catch (HistoryLine.FormatException e) {
            throw new AssertionError("a record written as a line that is refused: " + e.getMessage(), e);
        }
    }
}
