package dev.palisade.fence.metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@value #SIZE} answered requests, for {@code /status}: a ring written by whichever thread answers
 * (an event loop, a vsock thread) with one atomic increment and one atomic store, and read by a scrape without a
 * lock. A reader racing a writer may miss the newest entry or see it a scrape early; it never blocks either.
 */
public final class RecentRequests {
    public static final int SIZE = 32;

    /** One answered request. {@code seq} orders them; {@code seconds} is from the request's arrival. */
    public record Answered(long seq, Instant at, String listener, String from, String operation, String domain,
                           String result, double seconds) {
    }

    private final AtomicReferenceArray<Answered> ring = new AtomicReferenceArray<>(SIZE);
    private final AtomicLong next = new AtomicLong();

    public void add(Instant at, String listener, String from, String operation, String domain, String result,
                    double seconds) {
        long seq = next.getAndIncrement();
        ring.set((int) (seq % SIZE), new Answered(seq, at, listener, from, operation, domain, result, seconds));
    }

    /** Newest first. */
    public List<Answered> newestFirst() {
        List<Answered> out = new ArrayList<>(SIZE);
        for (int i = 0; i < SIZE; i++) {
            Answered a = ring.get(i);
            if (a != null) {
                out.add(a);
            }
        }
        out.sort(Comparator.comparingLong(Answered::seq).reversed());
        return out;
    }
}
