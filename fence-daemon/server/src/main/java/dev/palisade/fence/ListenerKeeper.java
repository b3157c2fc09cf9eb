package dev.palisade.fence;

import dev.palisade.fence.listener.FenceListener;
import dev.palisade.fence.metrics.GatewayMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Keeps every listener serving. A listener that stops serving on its own (its socket destroyed, its accept
 * thread dead) is closed and opened again, after 100 ms, then twice as long each time up to
 * {@link #LONGEST_WAIT}; after {@link #ATTEMPTS} failures in a row (a listener that served for
 * {@link #STABLE} starts counting afresh) the daemon is told to give up, so that it exits non-zero and
 * systemd restarts it whole. A gateway never runs on without a listener it was configured with. Every
 * step is logged with the listener's name, and {@link #status()} says which are serving.
 */
final class ListenerKeeper {
    static final int ATTEMPTS = 8;
    static final Duration FIRST_WAIT = Duration.ofMillis(100);
    static final Duration LONGEST_WAIT = Duration.ofMillis(3200);
    static final Duration STABLE = Duration.ofSeconds(60);

    private final ScheduledExecutorService housekeeping;
    private final Consumer<String> giveUp;
    private final GatewayMetrics metrics;
    private final Map<FenceListener, Kept> kept = new LinkedHashMap<>();
    private volatile boolean closing;

    /**
     * One listener's state: serving since when, or down since when and why. {@code shown} repeats the state
     * for the metrics endpoint in volatile fields, so that a scrape never takes this keeper's lock.
     */
    private static final class Kept {
        final GatewayMetrics.ListenerState shown;
        int failures;
        long upSince;
        String state = "starting";

        Kept(GatewayMetrics.ListenerState shown) {
            this.shown = shown;
        }

        void state(String s) {
            state = s;
            if (s.equals("serving")) {
                shown.serving();
            } else {
                shown.down(s);
            }
        }
    }

    /** {@code giveUp} is told which listener could not be kept serving, and why. */
    ListenerKeeper(ScheduledExecutorService housekeeping, Consumer<String> giveUp, GatewayMetrics metrics) {
        this.housekeeping = housekeeping;
        this.giveUp = giveUp;
        this.metrics = metrics;
    }

    /** Starts a listener the first time; a failure here is the daemon's start-up failure. */
    void start(FenceListener l) throws IOException {
        Kept k = new Kept(metrics.listener(l.name()));
        synchronized (this) {
            kept.put(l, k);
        }
        l.start(cause -> down(l, cause));
        synchronized (this) {
            k.upSince = System.nanoTime();
            k.state("serving");
        }
        Logger.info("listening: {}", l.describe());
    }

    /** From any thread: the listener stopped serving. */
    private void down(FenceListener l, Throwable cause) {
        if (closing) {
            return;
        }
        int attempt;
        Kept k;
        synchronized (this) {
            k = kept.get(l);
            if (System.nanoTime() - k.upSince > STABLE.toNanos()) {
                k.failures = 0;
            }
            attempt = ++k.failures;
            k.state("down: " + cause.getMessage());
        }
        if (attempt > ATTEMPTS) {
            String why = l.name() + " went down " + ATTEMPTS + " times in a row and could not be kept serving (last: "
                    + cause.getMessage() + ")";
            synchronized (this) {
                k.state("given up: " + cause.getMessage());
            }
            giveUp.accept(why);
            return;
        }
        long wait = Math.min(LONGEST_WAIT.toMillis(), FIRST_WAIT.toMillis() << (attempt - 1));
        Logger.error("listener {} is down: {}; re-opening in {} ms (attempt {} of {})", l.name(), cause.getMessage(),
                wait, attempt, ATTEMPTS);
        synchronized (this) {
            k.state("down since attempt " + attempt + ": " + cause.getMessage() + "; re-opening");
        }
        housekeeping.schedule(() -> reopen(l, attempt), wait, TimeUnit.MILLISECONDS);
    }

    private void reopen(FenceListener l, int attempt) {
        if (closing) {
            return;
        }
        l.close();
        try {
            l.start(cause -> down(l, cause));
        } catch (IOException | RuntimeException e) {
            down(l, e);
            return;
        }
        synchronized (this) {
            Kept k = kept.get(l);
            k.upSince = System.nanoTime();
            k.state("serving");
        }
        Logger.warn("listener {} re-opened (attempt {} of {})", l.name(), attempt, ATTEMPTS);
    }

    /** Each listener's name and state ("serving", "down ...", "given up ..."), in configuration order. */
    synchronized Map<String, String> status() {
        Map<String, String> out = new LinkedHashMap<>();
        kept.forEach((l, k) -> out.put(l.name(), k.state));
        return out;
    }

    void close() {
        closing = true;
    }
}
