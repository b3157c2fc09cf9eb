package dev.palisade.bench;

import java.util.Arrays;

/** The order statistics every benchmark reports, computed one way for all of them. */
final class Percentiles {
    private Percentiles() {
    }

    /** A sorted copy. */
    static double[] sorted(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s;
    }

    /** The median of sorted values (the mean of the middle two for an even count). */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The 99th percentile of sorted values: the smallest value at or above 99% of them. */
    static double p99(double[] sorted) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)];
    }
}
