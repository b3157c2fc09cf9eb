package dev.palisade.drivers.metrics;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One scrape in the Prometheus text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/
 * exposition_formats: "Text format details"): for each family a {@code # HELP} and a {@code # TYPE} line, then
 * its samples, {@code name{label="value",...} value}, one per line, every line ending in {@code \n}.
 *
 * <p>Escaping, as the format defines it: in HELP text a backslash becomes {@code \\} and a line feed
 * {@code \n}; in a label value a double quote also becomes {@code \"}. Values are Go float literals: {@code NaN},
 * {@code +Inf}, {@code -Inf} or a decimal number. Names are checked against the data model
 * ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}, labels {@code [a-zA-Z_][a-zA-Z0-9_]*}, none starting with {@code __}), and a
 * family may appear only once: a mistake there is a programming error and throws.
 *
 * <p>No I/O: the caller renders into a string and serves it.
 */
public final class MetricsText {
    /** The Content-Type a scraper expects for this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** The family types this writer emits. */
    public enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final StringBuilder out = new StringBuilder(4096);
    private final Set<String> families = new HashSet<>();

    /** Starts a family; its samples follow through the returned {@link Family}. */
    public Family family(String name, Type type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        if (type == Type.COUNTER && !name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        if (!families.add(name)) {
            throw new IllegalArgumentException("family written twice: " + name);
        }
        out.append("# HELP ").append(name).append(' ');
        escape(help, false);
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type.word()).append('\n');
        return new Family(name, type);
    }

    public Family gauge(String name, String help) {
        return family(name, Type.GAUGE, help);
    }

    public Family counter(String name, String help) {
        return family(name, Type.COUNTER, help);
    }

    /** The samples of one family. */
    public final class Family {
        private final String name;
        private final Type type;

        private Family(String name, Type type) {
            this.name = name;
            this.type = type;
        }

        /** One sample; {@code labels} are name, value, name, value, ... */
        public Family sample(double value, String... labels) {
            if (type == Type.HISTOGRAM) {
                throw new IllegalStateException(name + " is a histogram: use histogram()");
            }
            line(name, labels, null, null, value);
            return this;
        }

        /** A histogram's buckets (cumulative, ending with +Inf), sum and count, all under the same labels. */
        public Family histogram(Histogram.Snapshot h, String... labels) {
            if (type != Type.HISTOGRAM) {
                throw new IllegalStateException(name + " is not a histogram");
            }
            double[] bounds = h.bounds();
            long[] cumulative = h.cumulative();
            for (int i = 0; i < bounds.length; i++) {
                line(name + "_bucket", labels, "le", number(bounds[i]), cumulative[i]);
            }
            line(name + "_bucket", labels, "le", "+Inf", h.count());
            line(name + "_sum", labels, null, null, h.sum());
            line(name + "_count", labels, null, null, h.count());
            return this;
        }
    }

    private void line(String name, String[] labels, String extraName, String extraValue, double value) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException(name + ": labels come in name, value pairs");
        }
        out.append(name);
        if (labels.length > 0 || extraName != null) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                label(labels[i], labels[i + 1]);
                out.append(',');
            }
            if (extraName != null) {
                label(extraName, extraValue);
                out.append(',');
            }
            out.setLength(out.length() - 1);
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    private void label(String name, String value) {
        if (!LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
            throw new IllegalArgumentException("not a label name: " + name);
        }
        out.append(name).append("=\"");
        escape(value == null ? "" : value, true);
        out.append('"');
    }

    private void escape(String s, boolean quotes) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quotes ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }

    /** A sample value as the format writes it: integers without a fraction, NaN, +Inf, -Inf. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** The text so far. */
    @Override
    public String toString() {
        return out.toString();
    }
}
