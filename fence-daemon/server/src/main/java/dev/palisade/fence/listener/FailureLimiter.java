package dev.palisade.fence.listener;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * Rate limit for failed authentication, per source. A source with more than {@link #MAX_FAILURES} failures
 * within {@link #WINDOW_NANOS} is throttled: its requests are dropped unread until its failures age out.
 * Every failure is counted; a throttled source gets one log line per window instead of one per packet.
 */
public final class FailureLimiter {
    public static final int MAX_FAILURES = 10;
    public static final long WINDOW_NANOS = 60_000_000_000L;
    private static final int MAX_SOURCES = 4096;

    private static final class Source {
        final Deque<Long> failures = new ArrayDeque<>();
        long lastThrottleLog = Long.MIN_VALUE;
        long suppressed;
    }

    private final String listener;
    private final LongSupplier clock;
    private final Map<String, Source> sources = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Source> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    public FailureLimiter(String listener) {
        this(listener, System::nanoTime);
    }

    public FailureLimiter(String listener, LongSupplier nanoClock) {
        this.listener = listener;
        this.clock = nanoClock;
    }

    /** Whether requests from this source are being dropped unread (logs once per window when they are). */
    public synchronized boolean throttled(String source) {
        Source s = sources.get(source);
        if (s == null) {
            return false;
        }
        long now = clock.getAsLong();
        expire(s, now);
        if (s.failures.size() <= MAX_FAILURES) {
            return false;
        }
        s.suppressed++;
        if (now - s.lastThrottleLog >= WINDOW_NANOS || s.lastThrottleLog == Long.MIN_VALUE) {
            Logger.warn("{} {}: throttled after {} failed authentications within 60 s; {} requests dropped unread",
                    listener, source, s.failures.size(), s.suppressed);
            s.lastThrottleLog = now;
            s.suppressed = 0;
        }
        return true;
    }

    /** Records a failure; returns whether it should still be logged in full. */
    public synchronized boolean failed(String source) {
        long now = clock.getAsLong();
        Source s = sources.computeIfAbsent(source, k -> new Source());
        expire(s, now);
        s.failures.addLast(now);
        return s.failures.size() <= MAX_FAILURES;
    }

    private static void expire(Source s, long now) {
        while (!s.failures.isEmpty() && now - s.failures.peekFirst() > WINDOW_NANOS) {
            s.failures.pollFirst();
        }
    }
}
