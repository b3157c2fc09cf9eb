package dev.palisade.acceptance.drbd;

import java.util.List;
import java.util.Map;

/** The run as Markdown for bench/RESULTS.md: a row per scenario, the lab's own times, the final history check. */
final class Report {
    private Report() {
    }

    static String markdown(Map<Integer, Outcome> outcomes, List<String> lab, HistoryCheck.Report last, String failure,
                           long seed) {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | outcome | steps, ms (appliance journals; fault times from the host, clock offset read"
                + " through the agent) | largest client gap, ms | s |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Outcome o : outcomes.values()) {
            sb.append("| ").append(o.name).append(" | ").append(o.passed() ? "PASS" : "**FAIL**")
                    .append(o.notes.length() > 0 ? ": " + cell(o.notes.toString()) : "")
                    .append(o.failure != null ? " — " + cell(o.failure) : "").append(" | ")
                    .append(cell(o.timings.toString().replace("{", "").replace("}", ""))).append(" | ")
                    .append(o.clientGapMillis >= 0 ? String.valueOf(o.clientGapMillis) : "").append(" | ")
                    .append(o.elapsedMillis / 1000).append(" |\n");
        }
        sb.append("\n");
        for (String l : lab) {
            sb.append("- ").append(l).append("\n");
        }
        sb.append("- nemesis seed ").append(seed).append("\n");
        if (last != null) {
            sb.append("- whole history at the end: ").append(last.summary()).append("\n");
        }
        if (failure != null) {
            sb.append("- result: **FAILED**: ").append(cell(failure)).append("\n");
        } else if (last == null) {
            sb.append("- result: not finished (stopped after the scenarios above; the check of the whole history at the"
                    + " end did not run)\n");
        } else {
            sb.append("- result: every check held\n");
        }
        return sb.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
