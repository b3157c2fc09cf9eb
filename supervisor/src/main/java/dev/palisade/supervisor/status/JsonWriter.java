package dev.palisade.supervisor.status;

/**
 * Writes JSON text (RFC 8259) into a buffer, with commas placed for the caller: strings escaped per §7 (quote,
 * backslash and every control character below U+0020; U+2028 and U+2029 too, so the text is also safe inside a
 * script), numbers as integers, non-finite doubles as null. No I/O.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true;

    JsonWriter begin() {
        comma();
        out.append('{');
        first = true;
        return this;
    }

    JsonWriter end() {
        out.append('}');
        first = false;
        return this;
    }

    JsonWriter array() {
        comma();
        out.append('[');
        first = true;
        return this;
    }

    JsonWriter endArray() {
        out.append(']');
        first = false;
        return this;
    }

    JsonWriter key(String k) {
        comma();
        string(k);
        out.append(':');
        first = true; // the value follows without a comma
        return this;
    }

    JsonWriter value(String s) {
        comma();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        first = false;
        return this;
    }

    JsonWriter value(long n) {
        comma();
        out.append(n);
        first = false;
        return this;
    }

    JsonWriter value(boolean b) {
        comma();
        out.append(b);
        first = false;
        return this;
    }

    JsonWriter nullValue() {
        comma();
        out.append("null");
        first = false;
        return this;
    }

    JsonWriter field(String k, String v) {
        return key(k).value(v);
    }

    JsonWriter field(String k, long v) {
        return key(k).value(v);
    }

    JsonWriter field(String k, boolean v) {
        return key(k).value(v);
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
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
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
