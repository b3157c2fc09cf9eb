package dev.palisade.drivers.http;

/**
 * Writes JSON text (RFC 8259) into a buffer, with commas placed for the caller: strings escaped per §7 (quote,
 * backslash and every control character below U+0020), and DEL, {@code < > &}, U+2028 and U+2029 as \\u escapes
 * too, so that text from a client (a domain name, a reason) stays inert inside HTML or a script; numbers as they
 * are, non-finite doubles and null values as null. The supervisor's and the gateway's {@code /status}. No I/O.
 */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true;

    public JsonWriter begin() {
        comma();
        out.append('{');
        first = true;
        return this;
    }

    public JsonWriter end() {
        out.append('}');
        first = false;
        return this;
    }

    public JsonWriter array() {
        comma();
        out.append('[');
        first = true;
        return this;
    }

    public JsonWriter endArray() {
        out.append(']');
        first = false;
        return this;
    }

    public JsonWriter key(String k) {
        comma();
        string(k);
        out.append(':');
        first = true; // the value follows without a comma
        return this;
    }

    public JsonWriter value(String s) {
        comma();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        first = false;
        return this;
    }

    public JsonWriter value(long n) {
        comma();
        out.append(n);
        first = false;
        return this;
    }

    public JsonWriter value(boolean b) {
        comma();
        out.append(b);
        first = false;
        return this;
    }

    public JsonWriter value(double d) {
        comma();
        out.append(Double.isFinite(d) ? Double.toString(d) : "null");
        first = false;
        return this;
    }

    public JsonWriter nullValue() {
        comma();
        out.append("null");
        first = false;
        return this;
    }

    public JsonWriter field(String k, String v) {
        return key(k).value(v);
    }

    public JsonWriter field(String k, long v) {
        return key(k).value(v);
    }

    public JsonWriter field(String k, boolean v) {
        return key(k).value(v);
    }

    public JsonWriter field(String k, double v) {
        return key(k).value(v);
    }

    /** A boolean that may be unknown (null). */
    public JsonWriter field(String k, Boolean v) {
        return v == null ? key(k).nullValue() : key(k).value(v.booleanValue());
    }

    private void comma() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
