package dev.palisade.fence.listener;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * Keeps failed authentications from flooding the log, and only the log: every request is still decoded and
 * authenticated on its own. A source address proves nothing (anyone who can forge a datagram from a client's
 * address can send junk "from" it), so a source's history must never cost the client holding the key its
 * fencing. Per source, the first {@link #MAX_LINES} failures within {@link #WINDOW_NANOS} are logged in full;
 * after that the source gets one summary line per window. Across all sources at most
 * {@link #MAX_LINES_PER_WINDOW} full lines per window are written, so forging many source addresses does not
 * flood the log either.
 */
public final class FailureLog {
    public static final int MAX_LINES = 10;
    public static final int MAX_LINES_PER_WINDOW = 200;
    public static final long WINDOW_NANOS = 60_000_000_000L;
    private static final int MAX_SOURCES = 4096;

    private static final class Source {
        final Deque<Long> failures = new ArrayDeque<>();
        long lastSummary = Long.MIN_VALUE;
        long unlogged;
    }

    private final String listener;
    private final LongSupplier clock;
    private final Deque<Long> lines = new ArrayDeque<>();
    private final Map<String, Source> sources = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Source> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    public FailureLog(String listener) {
        this(listener, System::nanoTime);
    }

    public FailureLog(String listener, LongSupplier nanoClock) {
        this.listener = listener;
        this.clock = nanoClock;
    }

    /**
     * Records a failure from {@code source}; returns whether to log it in full. When not, a summary of the
     * failures not logged is written once per window.
     */
    public synchronized boolean failed(String source) {
        long now = clock.getAsLong();
        Source s = sources.computeIfAbsent(source, k -> new Source());
        expire(s.failures, now);
        expire(lines, now);
        s.failures.addLast(now);
        if (s.failures.size() <= MAX_LINES && lines.size() < MAX_LINES_PER_WINDOW) {
            lines.addLast(now);
            return true;
        }
        s.unlogged++;
        if (s.lastSummary == Long.MIN_VALUE || now - s.lastSummary >= WINDOW_NANOS) {
            Logger.warn("{} {}: {} failed authentications within 60 s; {} not logged one by one (one line a minute "
                    + "from now on). Every request from this address is still checked: a forger cannot lock the "
                    + "holder of the key out", listener, source, s.failures.size(), s.unlogged);
            s.lastSummary = now;
            s.unlogged = 0;
        }
        return false;
    }

    private static void expire(Deque<Long> times, long now) {
        while (!times.isEmpty() && now - times.peekFirst() > WINDOW_NANOS) {
            times.pollFirst();
        }
    }
}
