package dev.palisade.acceptance.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lab's verdict: each kind of violation is found, and a clean history passes. Times are in ms for reading. */
class HistoryCheckTest {
    private final List<History.Op> ops = new ArrayList<>();
    private final List<History.RoleSample> roles = new ArrayList<>();

    private void write(String process, String table, long key, long fromMs, long toMs, History.Type outcome) {
        ops.add(new History.Op(process, table, key, History.Type.INVOKE, fromMs * 1_000_000, null));
        ops.add(new History.Op(process, table, key, outcome, toMs * 1_000_000, null));
    }

    private void row(long key, long atMs, History.Type outcome) {
        write("client", HistoryCheck.ROWS, key, atMs, atMs + 5, outcome);
    }

    private void probe(String node, long key, long atMs, History.Type outcome) {
        write("probe-" + node, HistoryCheck.PROBES, key, atMs, atMs + 5, outcome);
    }

    private HistoryCheck.Report check(Set<Long> rows, Set<Long> probes) {
        return HistoryCheck.check(ops, roles, Map.of(HistoryCheck.ROWS, rows, HistoryCheck.PROBES, probes),
                10_000L * 1_000_000);
    }

    @Test
    void aCleanHistoryWithAFailoverPasses() {
        row(1, 100, History.Type.OK);
        row(2, 200, History.Type.FAIL);
        row(3, 300, History.Type.INFO); // sent, answer lost: may or may not be there
        row(4, 400, History.Type.OK);
        probe("alpha", 1, 100, History.Type.OK);
        probe("alpha", 2, 200, History.Type.OK);
        probe("beta", 3, 210, History.Type.FAIL);
        probe("alpha", 4, 300, History.Type.FAIL);
        probe("beta", 5, 400, History.Type.OK);
        probe("beta", 6, 500, History.Type.OK);
        roles.add(new History.RoleSample("alpha", 100L * 1_000_000, 101L * 1_000_000, "Primary"));
        roles.add(new History.RoleSample("beta", 450L * 1_000_000, 451L * 1_000_000, "Primary"));
        HistoryCheck.Report r = check(Set.of(1L, 3L, 4L), Set.of(1L, 2L, 5L, 6L));
        assertTrue(r.valid(), r.summary());
        assertEquals(2, r.okRows());
        assertEquals(1, r.infoPresent());
    }

    @Test
    void anAcknowledgedRowMissingIsALoss() {
        row(1, 100, History.Type.OK);
        row(2, 200, History.Type.OK);
        HistoryCheck.Report r = check(Set.of(1L), Set.of());
        assertFalse(r.valid());
        assertTrue(r.summary().contains("1 acknowledged write(s) into ledger lost: [2]"), r.summary());
    }

    @Test
    void aRowAcknowledgedAfterTheReadMayBeMissing() {
        row(1, 20_000, History.Type.OK); // after the read at 10 s
        assertTrue(check(Set.of(), Set.of()).valid());
    }

    @Test
    void aWriteThatCertainlyFailedMustNotBeThere() {
        row(1, 100, History.Type.FAIL);
        HistoryCheck.Report r = check(Set.of(1L), Set.of());
        assertTrue(r.summary().contains("certainly failed are present: [1]"), r.summary());
    }

    @Test
    void aRowNobodyWroteIsInvented() {
        row(1, 100, History.Type.OK);
        HistoryCheck.Report r = check(Set.of(1L, 99L), Set.of());
        assertTrue(r.summary().contains("nobody wrote: [99]"), r.summary());
    }

    @Test
    void aProbeAcknowledgedOnTheOtherNodeBetweenTwoOfThisNodesIsTwoWritable() {
        probe("alpha", 1, 100, History.Type.OK);
        probe("beta", 2, 200, History.Type.OK);
        probe("alpha", 3, 300, History.Type.OK);
        HistoryCheck.Report r = check(Set.of(), Set.of(1L, 2L, 3L));
        assertFalse(r.valid());
        assertTrue(r.summary().contains("beta acknowledged a probe write while alpha acknowledged every probe before"
                + " and after it"), r.summary());
    }

    @Test
    void overlappingAcknowledgementsOnBothNodesAreTwoWritable() {
        write("probe-alpha", HistoryCheck.PROBES, 1, 100, 200, History.Type.OK);
        write("probe-beta", HistoryCheck.PROBES, 2, 150, 250, History.Type.OK);
        HistoryCheck.Report r = check(Set.of(), Set.of(1L, 2L));
        assertTrue(r.summary().contains("alpha and beta acknowledged probe writes at the same time"), r.summary());
    }

    @Test
    void drbdPrimaryOnTheOtherNodeBetweenTwoPrimarySamplesIsTwoPrimary() {
        roles.add(new History.RoleSample("alpha", 100L * 1_000_000, 101L * 1_000_000, "Primary"));
        roles.add(new History.RoleSample("beta", 200L * 1_000_000, 201L * 1_000_000, "Primary"));
        roles.add(new History.RoleSample("alpha", 300L * 1_000_000, 301L * 1_000_000, "Primary"));
        HistoryCheck.Report r = check(Set.of(), Set.of());
        assertTrue(r.summary().contains("DRBD Primary on beta while alpha was Primary before and after it"), r.summary());
    }

    @Test
    void aPrimaryHandedOverBetweenSamplesIsNotTwoPrimary() {
        roles.add(new History.RoleSample("alpha", 100L * 1_000_000, 101L * 1_000_000, "Primary"));
        roles.add(new History.RoleSample("alpha", 300L * 1_000_000, 301L * 1_000_000, "Secondary"));
        roles.add(new History.RoleSample("beta", 200L * 1_000_000, 201L * 1_000_000, "Primary"));
        assertTrue(check(Set.of(), Set.of()).valid());
    }
}
