package dev.palisade.supervisor.membership;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Heartbeat membership of one node: sends a frame on every link each keepalive, authenticates and
 * de-duplicates what arrives, and feeds the {@link PeerTracker}; its events and every fresh frame go to the
 * log and to a {@link Listener} (the failover loop). The sender and the receivers run on their own
 * high-priority threads; one lock orders the tracker's updates.
 */
public final class Membership implements AutoCloseable {
    private final SupervisorConfig config;
    private final HeartbeatFrame.Key key;
    private final List<HeartbeatLink> links = new ArrayList<>();
    /** Per link: frames must move forward on each link; the same frame arrives once on every link. */
    private final java.util.Map<String, ReplayFilter> replays = new java.util.concurrent.ConcurrentHashMap<>();
    /** Gaps between consecutive accepted frames, per link (the heartbeat jitter an operator can measure). */
    private final java.util.Map<String, GapRecorder> gaps = new java.util.concurrent.ConcurrentHashMap<>();

    /** Inter-arrival gaps of one link, bounded (the newest 100,000). */
    static final class GapRecorder {
        private final long[] gaps = new long[100_000];
        private int count;
        private long last = -1;

        synchronized void frame(long nowNanos) {
            if (last >= 0) {
                gaps[count % gaps.length] = nowNanos - last;
                count++;
            }
            last = nowNanos;
        }

        synchronized String summary() {
            int n = Math.min(count, gaps.length);
            if (n == 0) {
                return "no gaps recorded";
            }
            long[] s = java.util.Arrays.copyOf(gaps, n);
            java.util.Arrays.sort(s);
            return String.format(java.util.Locale.ROOT, "n=%d p50=%.1f ms p99=%.1f ms p99.9=%.1f ms max=%.1f ms", n,
                    s[n / 2] / 1e6, s[Math.min(n - 1, (int) (n * 0.99))] / 1e6,
                    s[Math.min(n - 1, (int) (n * 0.999))] / 1e6, s[n - 1] / 1e6);
        }
    }

    /** Per-link gap statistics since start (for the log at shutdown and for benchmarks). */
    public java.util.Map<String, String> gapSummaries() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        gaps.forEach((k, v) -> out.put(k, v.summary()));
        return out;
    }

    /** The newest incarnation of the peer seen on any link: older ones are refused everywhere. */
    private long newestIncarnation = -1;
    private final PeerTracker tracker;
    private final Listener listener;
    private final long incarnation = System.currentTimeMillis();
    private final AtomicLong seqno = new AtomicLong();
    private final Counters counters = new Counters();
    private volatile HeartbeatFrame.Status status = HeartbeatFrame.Status.UNKNOWN;
    private volatile boolean closed;
    private Thread pulse;

    /** What was dropped, for status output and tests. */
    public static final class Counters {
        public final AtomicLong frames = new AtomicLong();
        public final AtomicLong rejected = new AtomicLong();
        public final AtomicLong replayed = new AtomicLong();
        public final AtomicLong oldIncarnation = new AtomicLong();
        public final AtomicLong foreign = new AtomicLong();
        public final AtomicLong sendFailures = new AtomicLong();
    }

    /** Who hears the peer: tracker events (alive, late, dead, links) and each fresh authentic frame. */
    public interface Listener {
        void event(PeerTracker.Event e);

        default void frame(HeartbeatFrame f) {
        }
    }

    public Membership(SupervisorConfig config, FenceKey clusterKey, Listener listener) {
        this.config = config;
        this.key = new HeartbeatFrame.Key(clusterKey.bytes());
        this.listener = listener;
        for (SupervisorConfig.SerialLink s : config.serialLinks()) {
            links.add(new SerialHeartbeatLink(s, key));
        }
        for (SupervisorConfig.UdpLink u : config.udpLinks()) {
            links.add(new UdpLink(u));
        }
        this.tracker = new PeerTracker(config.warntime().toNanos(), config.deadtime().toNanos(),
                config.initdead().toNanos(), System.nanoTime(), links.stream().map(HeartbeatLink::name).toList());
    }

    public Counters counters() {
        return counters;
    }

    /** Each link with its last frame from the peer. */
    public synchronized String describeLinks() {
        return tracker.describeLinks(System.nanoTime());
    }

    public synchronized PeerTracker.PeerState peerState() {
        return tracker.state();
    }

    /** What this node announces in its frames from now on; sent at once, not at the next keepalive. */
    public void announce(HeartbeatFrame.Status now) {
        boolean changed = !now.equals(status);
        this.status = now;
        if (changed && pulse != null) {
            java.util.concurrent.locks.LockSupport.unpark(pulse);
        }
    }

    /** This node's incarnation (its start time in ms), carried in every frame. */
    public long incarnation() {
        return incarnation;
    }

    public void start() throws IOException {
        HeartbeatLink.Receiver receiver = new HeartbeatLink.Receiver() {
            @Override
            public void datagram(HeartbeatLink link, byte[] bytes, String from) {
                try {
                    accept(link, HeartbeatFrame.decode(bytes, key), from);
                } catch (HeartbeatFrame.FrameException e) {
                    counters.rejected.incrementAndGet();
                    Logger.warn("membership {} from {}: frame rejected: {}", link.name(), from, e.getMessage());
                }
            }

            @Override
            public void streamFrame(HeartbeatLink link, HeartbeatFrame.Read read) {
                if (read.frame() != null) {
                    accept(link, read.frame(), "the line");
                } else {
                    counters.rejected.incrementAndGet();
                    Logger.warn("membership {}: frame rejected: {} ({} bytes of noise skipped)", link.name(),
                            read.rejected(), read.skipped());
                }
            }

            @Override
            public void note(HeartbeatLink link, String what) {
                Logger.warn("membership {}: {}", link.name(), what);
            }
        };
        for (HeartbeatLink l : links) {
            try {
                l.start(receiver);
            } catch (IOException e) {
                close();
                throw e;
            }
        }
        pulse = new Thread(this::pulse, "hb-pulse");
        pulse.setDaemon(true);
        pulse.setPriority(Thread.MAX_PRIORITY);
        pulse.start();
        Logger.info("membership {} (incarnation {}) -> {}: keepalive {} ms, warntime {} ms, deadtime {} ms, "
                        + "initdead {} ms, links: {}", config.node(), incarnation, config.peer(),
                config.keepalive().toMillis(), config.warntime().toMillis(),
                config.deadtime().toMillis(), config.initdead().toMillis(),
                String.join(", ", links.stream().map(HeartbeatLink::name).toList()));
    }

    private void accept(HeartbeatLink link, HeartbeatFrame f, String from) {
        if (f.sender().equals(config.node())) {
            return; // our own broadcast or multicast echo
        }
        if (!f.sender().equals(config.peer())) {
            counters.foreign.incrementAndGet();
            Logger.warn("membership {}: frame from '{}' ({}), which is not our peer '{}'; ignored", link.name(),
                    f.sender(), from, config.peer());
            return;
        }
        ReplayFilter.Verdict v;
        synchronized (this) {
            v = f.incarnation() < newestIncarnation ? ReplayFilter.Verdict.OLD_INCARNATION
                    : replays.computeIfAbsent(link.name(), k -> new ReplayFilter()).check(f.incarnation(), f.seqno());
            if (v == ReplayFilter.Verdict.FRESH) {
                newestIncarnation = f.incarnation();
                counters.frames.incrementAndGet();
                long now = System.nanoTime();
                gaps.computeIfAbsent(link.name(), k -> new GapRecorder()).frame(now);
                emit(tracker.heard(link.name(), now, f.seqno()));
                listener.frame(f);
                return;
            }
        }
        if (v == ReplayFilter.Verdict.OLD_INCARNATION) {
            counters.oldIncarnation.incrementAndGet();
            Logger.warn("membership {}: frame from an older incarnation of {} refused (seq {})", link.name(),
                    f.sender(), f.seqno());
        } else {
            counters.replayed.incrementAndGet();
            Logger.warn("membership {}: replayed frame from {} refused (seq {})", link.name(), f.sender(), f.seqno());
        }
    }

    private void pulse() {
        long period = config.keepalive().toNanos();
        long tickEvery = Math.max(1_000_000L, period / 4);
        long nextSend = System.nanoTime();
        long nextReport = nextSend + 60_000_000_000L;
        HeartbeatFrame.Status sent = null;
        while (!closed) {
            long now = System.nanoTime();
            if (now - nextReport >= 0) {
                gapSummaries().forEach((link, summary) -> Logger.info("membership: frame gaps on {}: {}", link, summary));
                nextReport += 60_000_000_000L;
            }
            HeartbeatFrame.Status current = status;
            if (now - nextSend >= 0 || !current.equals(sent)) {
                sent = current;
                byte[] frame = new HeartbeatFrame(current, config.node(), incarnation, seqno.incrementAndGet(),
                        System.currentTimeMillis(), (int) config.keepalive().toMillis(),
                        (int) config.deadtime().toMillis()).encode(key);
                for (HeartbeatLink l : links) {
                    if (!l.send(frame)) {
                        counters.sendFailures.incrementAndGet();
                    }
                }
                nextSend = now - nextSend >= 0 ? nextSend + period : now + period;
                if (now - nextSend > period) {
                    nextSend = now + period; // we were stopped for more than a period: do not burst
                }
            }
            synchronized (this) {
                emit(tracker.tick(System.nanoTime()));
            }
            long sleep = Math.min(tickEvery, Math.max(0, nextSend - System.nanoTime()));
            java.util.concurrent.locks.LockSupport.parkNanos(sleep);
            if (Thread.interrupted()) {
                return;
            }
        }
    }

    private void emit(List<PeerTracker.Event> events) {
        for (PeerTracker.Event e : events) {
            switch (e.kind()) {
                case PEER_DEAD -> Logger.error("membership: peer {} dead: {}", config.peer(), e.detail());
                case PEER_WARN, LINK_DOWN -> Logger.warn("membership: {} {}: {}", e.kind() == PeerTracker.Event.Kind.LINK_DOWN
                        ? "link down" : "peer " + config.peer() + " late", e.link() == null ? "" : e.link(), e.detail());
                default -> Logger.info("membership: {} {}: {}", kindText(e.kind()), e.link(), e.detail());
            }
            listener.event(e);
        }
    }

    private String kindText(PeerTracker.Event.Kind k) {
        return switch (k) {
            case PEER_ALIVE -> "peer " + config.peer() + " alive";
            case PEER_BACK -> "peer " + config.peer() + " back";
            case LINK_UP -> "link up";
            default -> k.toString();
        };
    }

    @Override
    public void close() {
        if (!closed) {
            gapSummaries().forEach((link, summary) -> Logger.info("membership: frame gaps on {}: {}", link, summary));
            Logger.info("membership: {} frames accepted, {} rejected, {} replayed, {} from an older incarnation",
                    counters.frames.get(), counters.rejected.get(), counters.replayed.get(),
                    counters.oldIncarnation.get());
        }
        closed = true;
        if (pulse != null) {
            pulse.interrupt();
        }
        for (HeartbeatLink l : links) {
            l.close();
        }
    }
}
