package dev.palisade.fence.auth;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Nonces of hardened requests seen within the time window. Requests older than the window are refused
 * by their timestamp, so an entry can be forgotten once it is older than the window; the table is also
 * bounded, and when full the oldest entries go first.
 */
public final class ReplayCache {
    public static final int DEFAULT_CAPACITY = 65_536;

    private record Entry(ByteBuffer nonce, long seenNanos) {
    }

    private final Map<ByteBuffer, Long> seen = new HashMap<>();
    private final Deque<Entry> order = new ArrayDeque<>();
    private final long windowNanos;
    private final int capacity;

    public ReplayCache(long windowNanos, int capacity) {
        this.windowNanos = windowNanos;
        this.capacity = capacity;
    }

    /** Records the nonce; false when it was seen within the window (a replay). */
    public synchronized boolean firstSeen(byte[] nonce, long nowNanos) {
        while (!order.isEmpty() && (nowNanos - order.peekFirst().seenNanos > windowNanos || order.size() >= capacity)) {
            Entry e = order.pollFirst();
            seen.remove(e.nonce, e.seenNanos);
        }
        ByteBuffer key = ByteBuffer.wrap(nonce.clone());
        if (seen.containsKey(key)) {
            return false;
        }
        seen.put(key, nowNanos);
        order.addLast(new Entry(key, nowNanos));
        return true;
    }

    public synchronized int size() {
        return seen.size();
    }
}
