package dev.palisade.supervisor.history;

import dev.palisade.supervisor.failover.FailoverMachine.State;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk form of a {@link HistoryRecord}: one line of tab-separated fields, no I/O.
 *
 * <pre>
 * T1 TAB seq TAB atMillis TAB incarnation TAB from TAB to TAB reason
 * F1 TAB seq TAB atMillis TAB node TAB result TAB level TAB millis TAB device,device TAB detail
 * </pre>
 *
 * A tab, a line feed, a carriage return or a backslash inside a field is written {@code \t}, {@code \n},
 * {@code \r}, {@code \\}; a comma inside a device name {@code \,}. The first field names the kind and the format's
 * version, so a later version can add fields. Lines come back from a file that a power cut may have cut short
 * or a disk may have garbled: {@link #parse} refuses anything that is not exactly a record, with the reason
 * ({@link Defect}), and the caller skips that line.
 */
public final class HistoryLine {
    /** Why a line is not a record. */
    public enum Defect { EMPTY, UNKNOWN_KIND, FIELD_COUNT, NUMBER, STATE, RESULT, ESCAPE, TOO_LONG }

    /** A line that is not a record. */
    public static final class FormatException extends Exception {
        private final Defect defect;

        public FormatException(Defect defect, String message) {
            super(message);
            this.defect = defect;
        }

        public Defect defect() {
            return defect;
        }
    }

    /** Longer lines are refused (a reason or a detail is cut to fit well below). */
    public static final int MAX_LINE = 4096;
    static final int MAX_TEXT = 1500;
    static final int SHORT_TEXT = 200;

    private HistoryLine() {
    }

    /**
     * The line of {@code r}, at most {@link #MAX_LINE} characters: texts are cut to {@value #MAX_TEXT} characters
     * and, should escaping still make the line too long, to {@value #SHORT_TEXT} (and eight devices).
     */
    public static String encode(HistoryRecord r) {
        String line = encode(r, MAX_TEXT, Integer.MAX_VALUE);
        return line.length() <= MAX_LINE ? line : encode(r, SHORT_TEXT, 8);
    }

    private static String encode(HistoryRecord r, int maxText, int maxDevices) {
        StringBuilder sb = new StringBuilder(160);
        if (r instanceof HistoryRecord.Transition t) {
            sb.append("T1\t").append(t.seq()).append('\t').append(t.atMillis()).append('\t').append(t.incarnation())
                    .append('\t').append(t.from()).append('\t').append(t.to()).append('\t');
            escape(sb, cut(t.reason(), maxText), false);
        } else {
            HistoryRecord.Fence f = (HistoryRecord.Fence) r;
            sb.append("F1\t").append(f.seq()).append('\t').append(f.atMillis()).append('\t');
            escape(sb, cut(f.node(), maxText), false);
            sb.append('\t').append(f.result()).append('\t').append(f.level()).append('\t').append(f.millis())
                    .append('\t');
            for (int i = 0; i < Math.min(maxDevices, f.devices().size()); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                escape(sb, cut(f.devices().get(i), maxText), true);
            }
            sb.append('\t');
            escape(sb, cut(f.detail(), maxText), false);
        }
        return sb.toString();
    }

    private static String cut(String s, int max) {
        String v = s == null ? "" : s;
        return v.length() > max ? v.substring(0, max) + "..." : v;
    }

    private static void escape(StringBuilder sb, String s, boolean comma) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case ',' -> sb.append(comma ? "\\," : ",");
                default -> sb.append(c);
            }
        }
    }

    public static HistoryRecord parse(String line) throws FormatException {
        if (line == null || line.isEmpty()) {
            throw new FormatException(Defect.EMPTY, "empty line");
        }
        if (line.length() > MAX_LINE) {
            throw new FormatException(Defect.TOO_LONG, "line of " + line.length() + " characters (at most " + MAX_LINE
                    + ")");
        }
        String[] f = line.split("\t", -1);
        switch (f[0]) {
            case "T1" -> {
                fields(f, 7);
                return new HistoryRecord.Transition(number(f[1], "seq"), number(f[2], "time"),
                        number(f[3], "incarnation"), state(f[4]), state(f[5]), unescape(f[6], false));
            }
            case "F1" -> {
                fields(f, 9);
                HistoryRecord.Result result;
                try {
                    result = HistoryRecord.Result.valueOf(f[4]);
                } catch (IllegalArgumentException e) {
                    throw new FormatException(Defect.RESULT, "unknown fence result '" + f[4] + "'");
                }
                long level = number(f[5], "level");
                if (level > 64) {
                    throw new FormatException(Defect.NUMBER, "fence level " + level + " (at most 64)");
                }
                return new HistoryRecord.Fence(number(f[1], "seq"), number(f[2], "time"), unescape(f[3], false),
                        result, (int) level, number(f[6], "duration"), devices(f[7]), unescape(f[8], false));
            }
            default -> throw new FormatException(Defect.UNKNOWN_KIND, "unknown record kind '"
                    + (f[0].length() > 16 ? f[0].substring(0, 16) + "..." : f[0]) + "'");
        }
    }

    private static void fields(String[] f, int n) throws FormatException {
        if (f.length != n) {
            throw new FormatException(Defect.FIELD_COUNT, f[0] + " record with " + f.length + " fields (" + n
                    + " expected)");
        }
    }

    private static long number(String s, String what) throws FormatException {
        if (!s.matches("[0-9]{1,18}")) {
            throw new FormatException(Defect.NUMBER, what + " '" + (s.length() > 20 ? s.substring(0, 20) + "..." : s)
                    + "' is not a number");
        }
        return Long.parseLong(s);
    }

    private static State state(String s) throws FormatException {
        for (State st : State.values()) {
            if (st.name().equals(s)) {
                return st;
            }
        }
        throw new FormatException(Defect.STATE, "unknown state '" + (s.length() > 20 ? s.substring(0, 20) + "..." : s)
                + "'");
    }

    private static List<String> devices(String s) throws FormatException {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 == s.length()) {
                    throw new FormatException(Defect.ESCAPE, "a backslash ends the device list");
                }
                cur.append(unescaped(s.charAt(++i), true));
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static String unescape(String s, boolean comma) throws FormatException {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
            } else if (i + 1 == s.length()) {
                throw new FormatException(Defect.ESCAPE, "a backslash ends the field");
            } else {
                sb.append(unescaped(s.charAt(++i), comma));
            }
        }
        return sb.toString();
    }

    private static char unescaped(char c, boolean comma) throws FormatException {
        return switch (c) {
            case '\\' -> '\\';
            case 't' -> '\t';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case ',' -> {
                if (!comma) {
                    throw new FormatException(Defect.ESCAPE, "'\\,' outside the device list");
                }
                yield ',';
            }
            default -> throw new FormatException(Defect.ESCAPE, "unknown escape '\\" + c + "'");
        };
    }
}
