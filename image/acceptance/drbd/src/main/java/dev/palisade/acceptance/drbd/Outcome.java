package dev.palisade.acceptance.drbd;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scenario's result: what happened (the takeover's steps as the appliances' own journals timed them, in ms;
 * the largest gap the client saw between acknowledged rows), and the checks after it.
 */
final class Outcome {
    final String name;
    final Map<String, Long> timings = new LinkedHashMap<>();
    final StringBuilder notes = new StringBuilder();
    long clientGapMillis = -1;
    long elapsedMillis;
    String failure;
    String check;

    Outcome(String name) {
        this.name = name;
    }

    Outcome note(String s) {
        if (notes.length() > 0) {
            notes.append("; ");
        }
        notes.append(s);
        return this;
    }

    /** The steps of {@code prefix} (e.g. "takeover"), each as "prefix step". */
    void timings(String prefix, Map<String, Long> steps) {
        steps.forEach((k, v) -> timings.put(prefix.isEmpty() ? k : prefix + " " + k, v));
    }

    boolean passed() {
        return failure == null;
    }

    String line() {
        StringBuilder sb = new StringBuilder();
        sb.append(passed() ? "PASS " : "FAIL ").append(name).append(" (").append(elapsedMillis / 1000).append(" s)");
        if (!timings.isEmpty()) {
            sb.append(": ").append(timings.toString().replace("{", "").replace("}", ""));
        }
        if (clientGapMillis >= 0) {
            sb.append("; client gap ").append(clientGapMillis).append(" ms");
        }
        if (notes.length() > 0) {
            sb.append("; ").append(notes);
        }
        if (failure != null) {
            sb.append("\n    ").append(failure);
        }
        return sb.toString();
    }
}
