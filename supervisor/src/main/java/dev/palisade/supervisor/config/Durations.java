package dev.palisade.supervisor.config;

import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import java.time.Duration;
import java.util.Locale;

/**
 * Durations as operators write them: "100ms", "1.5s", "2m" or "2min", "1h" (systemd's spellings), or a plain number
 * of seconds (Heartbeat's unit).
 */
public final class Durations {
    private Durations() {
    }

    public static Duration parse(ConfigEntry e) throws ConfigException {
        Duration d = parse(e.value());
        if (d == null) {
            throw new ConfigException(e.valuePosition(), "'" + e.key() + "' is \"" + e.value() + "\", not a duration",
                    "write it like \"100ms\", \"2s\", \"1min\", \"1h\" or a number of seconds");
        }
        return d;
    }

    /** The duration, or null when the text is not one. */
    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        double factorMs;
        String num;
        if (s.endsWith("ms")) {
            factorMs = 1;
            num = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            factorMs = 1000;
            num = s.substring(0, s.length() - 1);
        } else if (s.endsWith("min")) {
            factorMs = 60_000;
            num = s.substring(0, s.length() - 3);
        } else if (s.endsWith("m")) {
            factorMs = 60_000;
            num = s.substring(0, s.length() - 1);
        } else if (s.endsWith("h")) {
            factorMs = 3_600_000;
            num = s.substring(0, s.length() - 1);
        } else {
            factorMs = 1000;
            num = s;
        }
        try {
            double v = Double.parseDouble(num);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v) || v * factorMs > 86_400_000) {
                return null;
            }
            return Duration.ofNanos(Math.round(v * factorMs * 1_000_000));
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    /** "100ms", "1.5s", "2s": the shortest exact spelling. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
