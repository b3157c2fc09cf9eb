package dev.palisade.drivers.testing;

import java.time.Duration;

/** Timeouts of timing-sensitive tests, scaled by {@code -Dpalisade.test.timeFactor=N} on slow machines. */
public final class TestTime {
    private TestTime() {
    }

    public static double factor() {
        try {
            return Math.max(1.0, Double.parseDouble(System.getProperty("palisade.test.timeFactor", "1")));
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }

    public static Duration scaled(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * factor()));
    }

    public static long millis(long ms) {
        return (long) (ms * factor());
    }
}
