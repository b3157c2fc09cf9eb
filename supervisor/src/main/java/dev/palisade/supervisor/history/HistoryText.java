package dev.palisade.supervisor.history;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code ctl events} and {@code ctl fence-history} as text: one line per record, starting with its number
 * ({@code #42}), which {@code ctl events --follow} and the console use to ask for what came after it.
 */
public final class HistoryText {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private HistoryText() {
    }

    public static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis));
    }

    public static String event(HistoryRecord.Transition t) {
        return "#" + t.seq() + " " + time(t.atMillis()) + " " + t.from() + " -> " + t.to() + ": " + t.reason();
    }

    public static String fence(HistoryRecord.Fence f) {
        return "#" + f.seq() + " " + time(f.atMillis()) + " " + f.node() + " " + f.result() + (f.level() > 0
                ? " level " + f.level() : "") + " in " + f.millis() + " ms" + (f.devices().isEmpty() ? ""
                : " via " + String.join(", ", f.devices())) + ": " + f.detail();
    }

    public static String events(List<HistoryRecord.Transition> ts, boolean emptyNote) {
        StringBuilder sb = new StringBuilder();
        if (ts.isEmpty() && emptyNote) {
            sb.append("no transitions recorded\n");
        }
        for (HistoryRecord.Transition t : ts) {
            sb.append(event(t)).append('\n');
        }
        return sb.toString();
    }

    public static String fences(List<HistoryRecord.Fence> fs) {
        StringBuilder sb = new StringBuilder();
        if (fs.isEmpty()) {
            sb.append("no fences recorded\n");
        }
        for (HistoryRecord.Fence f : fs) {
            sb.append(fence(f)).append('\n');
        }
        return sb.toString();
    }
}
