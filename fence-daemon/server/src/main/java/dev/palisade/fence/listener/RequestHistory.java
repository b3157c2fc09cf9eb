package dev.palisade.fence.listener;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * fence_virtd's duplicate suppression (history.c): a request with the same (request, seqno, domain) seen
 * within the last 10 seconds is dropped. A request is claimed as soon as it is accepted for handling, so
 * the copies a multicast client sends on every interface, arriving on parallel workers, are handled once.
 */
public final class RequestHistory {
    public static final long WINDOW_NANOS = 10_000_000_000L;
    /** Bound the table so a flood of distinct forged seqnos cannot grow it without limit. */
    public static final int MAX_ENTRIES = 4096;

    private record Key(int request, long seqno, String domain) {
    }

    private final Map<Key, Long> seen = new HashMap<>();
    private final Deque<Key> order = new ArrayDeque<>();
    private final LongSupplier clock;

    public RequestHistory() {
        this(System::nanoTime);
    }

    public RequestHistory(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** Returns true and records the request if it was not seen in the window; false for a duplicate. */
    public synchronized boolean claim(int request, long seqno, String domain) {
        long now = clock.getAsLong();
        expire(now);
        Key k = new Key(request, seqno, domain.toLowerCase(Locale.ROOT));
        if (seen.containsKey(k)) {
            return false;
        }
        if (seen.size() >= MAX_ENTRIES) {
            seen.remove(order.pollFirst());
        }
        seen.put(k, now);
        order.addLast(k);
        return true;
    }

    /** Forgets a claim whose handling never started (the call-back failed), so a retransmit is served. */
    public synchronized void release(int request, long seqno, String domain) {
        Key k = new Key(request, seqno, domain.toLowerCase(Locale.ROOT));
        if (seen.remove(k) != null) {
            order.remove(k);
        }
    }

    public synchronized int size() {
        expire(clock.getAsLong());
        return seen.size();
    }

    private void expire(long now) {
        while (!order.isEmpty()) {
            Key k = order.peekFirst();
            Long t = seen.get(k);
            if (t != null && now - t < WINDOW_NANOS) {
                return;
            }
            order.pollFirst();
            seen.remove(k);
        }
    }
}
