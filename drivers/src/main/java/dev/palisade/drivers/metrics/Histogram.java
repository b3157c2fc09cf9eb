package dev.palisade.drivers.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: observations counted into fixed buckets (each bound is an upper bound, inclusive, as
 * the format's {@code le} label says), with their sum and count. Observing and reading never lock: a scrape
 * can never hold up the thread that observes (a fence worker, a request). A snapshot taken while observations
 * arrive may be off by those few, which the format allows.
 */
public final class Histogram {
    /** Bounds and cumulative counts as a scrape writes them. */
    public record Snapshot(double[] bounds, long[] cumulative, long count, double sum) {
    }

    private final double[] bounds;
    private final LongAdder[] buckets;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    /** {@code bounds}: strictly increasing, finite; +Inf is implied. */
    public Histogram(double... bounds) {
        for (int i = 0; i < bounds.length; i++) {
            if (!Double.isFinite(bounds[i]) || i > 0 && bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must be finite and increasing: "
                        + Arrays.toString(bounds));
            }
        }
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    public void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                buckets[i].increment();
                break;
            }
        }
        sum.add(value);
        count.increment();
    }

    public Snapshot snapshot() {
        long[] cumulative = new long[bounds.length];
        long running = 0;
        for (int i = 0; i < bounds.length; i++) {
            running += buckets[i].sum();
            cumulative[i] = running;
        }
        long n = Math.max(count.sum(), running); // +Inf never below the last bucket, whatever raced
        return new Snapshot(bounds.clone(), cumulative, n, sum.sum());
    }
}
