package dev.palisade.acceptance.drbd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks on a {@link History} against what the database holds, read through the VIP at {@code readNanos}:
 * <ul>
 * <li>no acknowledged write lost: every write acknowledged before the read began is in its table;</li>
 * <li>nothing invented: every row in a table was written by a client, and no write that certainly failed is there;</li>
 * <li>never two writable: no appliance acknowledged a probe write while the other was, as seen from the probes (an
 * acknowledgement on one node inside a stretch where the other acknowledged every probe before and after it, or two
 * acknowledgements on different nodes whose operations overlap in time), and DRBD was never Primary on both (the
 * same bracket over the role samples).</li>
 * </ul>
 * Writes still pending or unknown (INFO) at the read may or may not be there; they are counted.
 */
final class HistoryCheck {
    static final String ROWS = "ledger";
    static final String PROBES = "probe";

    /** The verdict; {@link #valid()} when no check failed. */
    record Report(long okRows, long failRows, long infoRows, long infoPresent, long okProbes, List<String> violations) {
        boolean valid() {
            return violations.isEmpty();
        }

        String summary() {
            return okRows + " rows acknowledged, " + failRows + " failed, " + infoRows + " unknown (" + infoPresent
                    + " of them present); " + okProbes + " probe writes acknowledged; "
                    + (violations.isEmpty() ? "no violation" : violations.size() + " violation(s): "
                    + String.join("; ", violations));
        }
    }

    private HistoryCheck() {
    }

    static Report check(List<History.Op> ops, List<History.RoleSample> roles, Map<String, Set<Long>> tables,
                        long readNanos) {
        List<String> violations = new ArrayList<>();
        Map<String, Map<Long, History.Op>> invoked = new HashMap<>();
        Map<String, Map<Long, History.Op>> completed = new HashMap<>();
        for (History.Op op : ops) {
            Map<String, Map<Long, History.Op>> into = op.type() == History.Type.INVOKE ? invoked : completed;
            into.computeIfAbsent(op.table(), t -> new HashMap<>()).put(op.key(), op);
        }
        long okRows = 0;
        long failRows = 0;
        long infoRows = 0;
        long infoPresent = 0;
        long okProbes = 0;
        for (String table : List.of(ROWS, PROBES)) {
            Set<Long> present = tables.getOrDefault(table, Set.of());
            Map<Long, History.Op> done = completed.getOrDefault(table, Map.of());
            Map<Long, History.Op> started = invoked.getOrDefault(table, Map.of());
            TreeSet<Long> lost = new TreeSet<>();
            TreeSet<Long> failedPresent = new TreeSet<>();
            for (History.Op c : done.values()) {
                switch (c.type()) {
                    case OK -> {
                        if (table.equals(ROWS)) {
                            okRows++;
                        } else {
                            okProbes++;
                        }
                        if (c.nanos() < readNanos && !present.contains(c.key())) {
                            lost.add(c.key());
                        }
                    }
                    case FAIL -> {
                        if (table.equals(ROWS)) {
                            failRows++;
                        }
                        if (present.contains(c.key())) {
                            failedPresent.add(c.key());
                        }
                    }
                    case INFO -> {
                        if (table.equals(ROWS)) {
                            infoRows++;
                            if (present.contains(c.key())) {
                                infoPresent++;
                            }
                        }
                    }
                    default -> { }
                }
            }
            TreeSet<Long> invented = new TreeSet<>();
            for (long k : present) {
                if (!started.containsKey(k)) {
                    invented.add(k);
                }
            }
            if (!lost.isEmpty()) {
                violations.add(lost.size() + " acknowledged write(s) into " + table + " lost: " + abbreviate(lost));
            }
            if (!failedPresent.isEmpty()) {
                violations.add(failedPresent.size() + " write(s) into " + table + " that certainly failed are present: "
                        + abbreviate(failedPresent));
            }
            if (!invented.isEmpty()) {
                violations.add(invented.size() + " row(s) in " + table + " nobody wrote: " + abbreviate(invented));
            }
        }
        violations.addAll(twoWritable(ops));
        violations.addAll(twoPrimary(roles));
        return new Report(okRows, failRows, infoRows, infoPresent, okProbes, violations);
    }

    /** An acknowledged probe on one node: [invoke, ok]. */
    private record Ack(String node, long from, long to) {
    }

    /** Probe writes (process "probe-NODE") acknowledged on two nodes at once. */
    static List<String> twoWritable(List<History.Op> ops) {
        Map<Long, History.Op> invokes = new HashMap<>();
        Map<String, List<History.Op>> byNode = new HashMap<>();
        for (History.Op op : ops) {
            if (!op.table().equals(PROBES) || !op.process().startsWith("probe-")) {
                continue;
            }
            if (op.type() == History.Type.INVOKE) {
                invokes.put(op.key(), op);
            } else {
                byNode.computeIfAbsent(op.process().substring(6), n -> new ArrayList<>()).add(op);
            }
        }
        // each node's completions in order, as [invoke, complete] with their outcome
        Map<String, List<Ack>> acks = new HashMap<>();
        Map<String, List<long[]>> stretches = new HashMap<>(); // between two consecutive OKs of a node
        for (Map.Entry<String, List<History.Op>> e : byNode.entrySet()) {
            List<History.Op> done = new ArrayList<>(e.getValue());
            done.sort(Comparator.comparingLong(o -> invokes.containsKey(o.key()) ? invokes.get(o.key()).nanos() : o.nanos()));
            History.Op prev = null;
            for (History.Op c : done) {
                History.Op inv = invokes.get(c.key());
                long from = inv == null ? c.nanos() : inv.nanos();
                if (c.type() == History.Type.OK) {
                    acks.computeIfAbsent(e.getKey(), n -> new ArrayList<>()).add(new Ack(e.getKey(), from, c.nanos()));
                    if (prev != null && prev.type() == History.Type.OK) {
                        stretches.computeIfAbsent(e.getKey(), n -> new ArrayList<>()).add(new long[] {prev.nanos(), from});
                    }
                }
                prev = c;
            }
        }
        List<String> out = new ArrayList<>();
        List<String> nodes = new ArrayList<>(acks.keySet());
        for (String a : nodes) {
            for (String b : nodes) {
                if (a.equals(b)) {
                    continue;
                }
                for (Ack x : acks.get(b)) {
                    for (long[] s : stretches.getOrDefault(a, List.of())) {
                        if (x.from() > s[0] && x.to() < s[1]) {
                            out.add(b + " acknowledged a probe write while " + a + " acknowledged every probe before"
                                    + " and after it (" + ms(s[0]) + ".." + ms(s[1]) + " ms)");
                        }
                    }
                    if (a.compareTo(b) < 0) {
                        for (Ack y : acks.get(a)) {
                            if (x.from() <= y.to() && y.from() <= x.to()) {
                                out.add(a + " and " + b + " acknowledged probe writes at the same time (" + ms(y.from())
                                        + " ms)");
                            }
                        }
                    }
                }
            }
        }
        return out.size() > 10 ? new ArrayList<>(out.subList(0, 10)) : out;
    }

    /** DRBD Primary on one node between two consecutive Primary samples of the other. */
    static List<String> twoPrimary(List<History.RoleSample> roles) {
        Map<String, List<History.RoleSample>> byNode = new HashMap<>();
        for (History.RoleSample r : roles) {
            byNode.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r);
        }
        List<String> out = new ArrayList<>();
        for (String a : byNode.keySet()) {
            List<History.RoleSample> mine = new ArrayList<>(byNode.get(a));
            mine.sort(Comparator.comparingLong(History.RoleSample::invokeNanos));
            for (int i = 1; i < mine.size(); i++) {
                History.RoleSample p = mine.get(i - 1);
                History.RoleSample q = mine.get(i);
                if (!p.role().equals("Primary") || !q.role().equals("Primary")) {
                    continue;
                }
                for (String b : byNode.keySet()) {
                    if (b.equals(a)) {
                        continue;
                    }
                    for (History.RoleSample x : byNode.get(b)) {
                        if (x.role().equals("Primary") && x.invokeNanos() > p.completeNanos()
                                && x.completeNanos() < q.invokeNanos()) {
                            out.add("DRBD Primary on " + b + " while " + a + " was Primary before and after it ("
                                    + ms(p.completeNanos()) + ".." + ms(q.invokeNanos()) + " ms)");
                        }
                    }
                }
            }
        }
        return out.size() > 10 ? new ArrayList<>(out.subList(0, 10)) : out;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static String abbreviate(TreeSet<Long> keys) {
        List<Long> first = new ArrayList<>();
        for (long k : keys) {
            if (first.size() == 20) {
                break;
            }
            first.add(k);
        }
        return first + (keys.size() > 20 ? " ..." : "");
    }
}
