package dev.palisade.fence.metrics;

import dev.palisade.drivers.metrics.Histogram;
import dev.palisade.drivers.metrics.LabeledCounter;
import dev.palisade.drivers.metrics.MetricsText;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * What the gateway counts about itself, for {@code /metrics} and {@code /status}: every answered request by
 * listener, operation and result, every request not carried out by listener and {@link Rejection reason}, how
 * long requests took, and whether each listener serves. Counting is lock-free (adders, atomics, volatile
 * fields), so the threads that count (event loops, request workers, vsock threads) never wait for a scrape and a
 * scrape never waits for them. No I/O: {@link #render} returns the text a page serves.
 */
public final class GatewayMetrics {
    /** Seconds: a status on a local hypervisor takes milliseconds, a power action up to request_timeout. */
    static final double[] DURATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60};
    /** The operation label of a request whose code the gateway does not know (answered FAIL). */
    public static final String UNKNOWN_OPERATION = "unknown";

    /** One listener as a scrape sees it: serving or not, and the keeper's words for its state. */
    public static final class ListenerState {
        private final String name;
        private volatile boolean up;
        private volatile String state = "starting";

        ListenerState(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public boolean up() {
            return up;
        }

        public String state() {
            return state;
        }

        public void serving() {
            state = "serving";
            up = true;
        }

        /** Not serving, and why ("down since attempt 2: ...", "given up: ..."). */
        public void down(String why) {
            up = false;
            state = why;
        }
    }

    /** Readings taken from the gateway's parts when a scrape renders (each a plain field read). */
    public record Gauges(boolean up, int callsInFlight, int maxWorkers, Boolean hypervisorConnected) {
    }

    private final LabeledCounter requests = new LabeledCounter("listener", "operation", "result");
    private final LabeledCounter rejections = new LabeledCounter("listener", "reason");
    private final Map<String, Histogram> durations;
    private final List<ListenerState> listeners = new CopyOnWriteArrayList<>();
    private final RecentRequests recent = new RecentRequests();
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final double startTime;

    public GatewayMetrics() {
        this(Clock.systemUTC(), System::nanoTime);
    }

    public GatewayMetrics(Clock clock, LongSupplier nanoClock) {
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.startTime = clock.millis() / 1000.0;
        Map<String, Histogram> d = new LinkedHashMap<>();
        for (RequestCode c : RequestCode.values()) {
            d.put(c.action(), new Histogram(DURATION_BUCKETS));
        }
        d.put(UNKNOWN_OPERATION, new Histogram(DURATION_BUCKETS));
        this.durations = Map.copyOf(d);
    }

    /**
     * A listener, in configuration order; its rejection series start at zero so that a rate over them starts
     * with the first scrape. Called before the endpoint serves.
     */
    public ListenerState listener(String name) {
        for (ListenerState l : listeners) {
            if (l.name.equals(name)) {
                return l;
            }
        }
        ListenerState l = new ListenerState(name);
        listeners.add(l);
        for (Rejection r : Rejection.values()) {
            rejections.touch(name, r.word());
        }
        return l;
    }

    public List<ListenerState> listeners() {
        return List.copyOf(listeners);
    }

    /** A request {@code listener} dropped or refused, for {@code reason}. */
    public void rejected(String listener, Rejection reason) {
        rejections.increment(listener, reason.word());
    }

    /**
     * A request {@code listener} answered with {@code code} (the gateway's own answer: an unknown domain is
     * {@code unknown_domain} even where the stock wire says OFF or FAIL), not carried out for {@code refusal}
     * (null when it was); {@code startedNanos} is when it arrived.
     */
    public void answered(String listener, String from, FenceRequest req, ResponseCode code, Rejection refusal,
                         long startedNanos) {
        RequestCode request = req.request();
        String operation = request == null ? UNKNOWN_OPERATION : request.action();
        String result = code.name().toLowerCase(Locale.ROOT);
        double seconds = Math.max(0, nanoClock.getAsLong() - startedNanos) / 1e9;
        requests.increment(listener, operation, result);
        durations.get(operation).observe(seconds);
        if (refusal != null) {
            rejections.increment(listener, refusal.word());
        }
        recent.add(clock.instant(), listener, from, operation, req.domain(), result, seconds);
    }

    public long requests(String listener, String operation, String result) {
        return requests.get(listener, operation, result);
    }

    public long rejections(String listener, Rejection reason) {
        return rejections.get(listener, reason.word());
    }

    public RecentRequests recent() {
        return recent;
    }

    public double startTime() {
        return startTime;
    }

    /** {@code /metrics}: the Prometheus text format (0.0.4). */
    public String render(Gauges g) {
        MetricsText m = new MetricsText();
        m.gauge("palisade_gateway_up", "1 while the gateway serves (every listener was started and it is not"
                + " stopping); 0 otherwise").sample(g.up() ? 1 : 0);
        m.gauge("palisade_gateway_start_time_seconds", "When the gateway started, in seconds since the Unix epoch")
                .sample(startTime);
        MetricsText.Family up = m.gauge("palisade_gateway_listener_up", "1 when the listener serves; 0 while it is"
                + " down and being re-opened");
        for (ListenerState l : listeners) {
            up.sample(l.up ? 1 : 0, "listener", l.name);
        }
        requests.writeTo(m.counter("palisade_gateway_requests_total", "Requests answered since the gateway"
                + " started, by listener, operation (the fence agent's word: off, on, reboot, status, monitor,"
                + " list, null) and result (success, fail, off, perm, unknown_domain)"));
        rejections.writeTo(m.counter("palisade_gateway_rejections_total", "Requests not carried out, by listener"
                + " and reason: dropped unanswered (malformed, auth, stale, replay, duplicate, challenge_failed,"
                + " callback_failed, client_timeout) or answered (access_denied, unknown_domain, timeout, busy;"
                + " these are also in requests_total under their result)"));
        MetricsText.Family d = m.family("palisade_gateway_request_duration_seconds", MetricsText.Type.HISTOGRAM,
                "From a request's arrival to its answer, by operation");
        for (RequestCode c : RequestCode.values()) {
            d.histogram(durations.get(c.action()).snapshot(), "operation", c.action());
        }
        d.histogram(durations.get(UNKNOWN_OPERATION).snapshot(), "operation", UNKNOWN_OPERATION);
        m.gauge("palisade_gateway_hypervisor_calls_in_flight", "Hypervisor calls running on a request worker now")
                .sample(g.callsInFlight());
        m.gauge("palisade_gateway_workers_max", "Request workers at most (max_workers): when calls_in_flight"
                + " reaches it, new requests are answered FAIL at once").sample(g.maxWorkers());
        if (g.hypervisorConnected() != null) {
            m.gauge("palisade_gateway_hypervisor_connected", "1 when every configured libvirt URI is connected")
                    .sample(g.hypervisorConnected() ? 1 : 0);
        }
        return m.toString();
    }
}
