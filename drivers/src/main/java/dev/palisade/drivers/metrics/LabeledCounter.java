package dev.palisade.drivers.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter family keyed by label values ({@code requests_total{listener,operation,result}}): increments never
 * lock, a scrape reads every series in a stable order. Label values are the things counted (an operation, a
 * result, a reason), never a state that changes: keepalived's exporter had to drop a counter that carried the
 * VRRP state in its labels.
 */
public final class LabeledCounter {
    private final String[] labelNames;
    private final Map<List<String>, LongAdder> series = new ConcurrentHashMap<>();

    public LabeledCounter(String... labelNames) {
        this.labelNames = labelNames.clone();
    }

    /** Counts one, for these label values (as many as there are label names). */
    public void increment(String... values) {
        add(1, values);
    }

    public void add(long n, String... values) {
        if (values.length != labelNames.length) {
            throw new IllegalArgumentException("labels " + Arrays.toString(labelNames) + ", values "
                    + Arrays.toString(values));
        }
        series.computeIfAbsent(List.of(values), k -> new LongAdder()).add(n);
    }

    /** Makes the series exist at zero, so a rate over it starts from the first scrape. */
    public void touch(String... values) {
        add(0, values);
    }

    public long get(String... values) {
        LongAdder a = series.get(List.of(values));
        return a == null ? 0 : a.sum();
    }

    /** Writes every series into {@code family}, sorted by label values. */
    public void writeTo(MetricsText.Family family) {
        Map<List<String>, Long> sorted = new ConcurrentSkipListMap<>((a, b) -> {
            for (int i = 0; i < a.size(); i++) {
                int c = a.get(i).compareTo(b.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        series.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((values, n) -> {
            String[] labels = new String[labelNames.length * 2];
            for (int i = 0; i < labelNames.length; i++) {
                labels[2 * i] = labelNames[i];
                labels[2 * i + 1] = values.get(i);
            }
            family.sample(n, labels);
        });
    }
}
