package dev.palisade.supervisor.membership;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Heartbeat membership of one node: sends a frame on every link each keepalive, authenticates what arrives
 * and hands it to the {@link PeerWatch} (which frames count, and the peer's timers); its events and every fresh
 * frame go to the log and to a {@link Listener} (the node loop). The sender and the receivers run on their own
 * high-priority threads; a thread that dies takes the process down through the fatal handler.
 */
public final class Membership implements AutoCloseable {
    private final SupervisorConfig config;
    private final HeartbeatFrame.Key key;
    private final List<HeartbeatLink> links = new ArrayList<>();
    /** Gaps between consecutive accepted frames, per link (the heartbeat jitter an operator can measure). */
    private final java.util.Map<String, GapRecorder> gaps = new java.util.concurrent.ConcurrentHashMap<>();
    private final PeerWatch watch;
    private final Listener listener;
    private final long incarnation;
    private final AtomicLong seqno = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final java.util.EnumMap<HeartbeatFrame.Defect, AtomicLong> rejectedBy = new java.util.EnumMap<>(
            HeartbeatFrame.Defect.class);
    private final AtomicLong sendFailures = new AtomicLong();
    private final dev.palisade.supervisor.node.FatalHandler fatal;
    private final HeartbeatFrame.Encoder encoder;
    private volatile HeartbeatFrame.Status status = HeartbeatFrame.Status.UNKNOWN;
    private volatile boolean closed;
    private Thread pulse;

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

    /** Who hears the peer: tracker events (alive, late, dead, links) and each fresh authentic frame. */
    public interface Listener {
        void event(PeerTracker.Event e);

        default void frame(HeartbeatFrame f) {
        }
    }

    /** With the next incarnation from the configuration's state directory; a dying thread halts the process. */
    public Membership(SupervisorConfig config, FenceKey clusterKey, Listener listener) throws IOException {
        this(config, clusterKey, Incarnation.next(config.stateDir(), System.currentTimeMillis()), listener,
                (where, e) -> {
                    Logger.error(e, "membership: {} died", where);
                    Runtime.getRuntime().halt(70);
                });
    }

    public Membership(SupervisorConfig config, FenceKey clusterKey, long incarnation, Listener listener,
                      dev.palisade.supervisor.node.FatalHandler fatal) {
        this.config = config;
        this.key = new HeartbeatFrame.Key(clusterKey.bytes());
        this.listener = listener;
        this.incarnation = incarnation;
        this.fatal = fatal;
        this.encoder = new HeartbeatFrame.Encoder(key, config.node());
        for (HeartbeatFrame.Defect d : HeartbeatFrame.Defect.values()) {
            rejectedBy.put(d, new AtomicLong());
        }
        for (SupervisorConfig.SerialLink s : config.serialLinks()) {
            links.add(new SerialHeartbeatLink(s, key));
        }
        for (SupervisorConfig.UdpLink u : config.udpLinks()) {
            links.add(new UdpLink(u));
        }
        this.watch = new PeerWatch(config.node(), config.peer(), new PeerTracker(config.warntime().toNanos(),
                config.deadtime().toNanos(), config.initdead().toNanos(), config.deadtime().toNanos() / 2, System.nanoTime(),
                links.stream().map(HeartbeatLink::name).toList()));
    }

    public PeerWatch.Counters counters() {
        return watch.counters();
    }

    /** Frames that failed authentication or decoding. */
    public long rejected() {
        return rejected.get();
    }

    /**
     * Frames dropped so far, by reason: each {@link HeartbeatFrame.Defect} (decoding, authentication, serial noise)
     * and the {@link PeerWatch} verdicts ({@code replayed}, {@code old_incarnation}, {@code foreign}). Every reason
     * is present, at zero when none was seen. Reads counters only: never waits for a receiver.
     */
    public java.util.Map<String, Long> rejectedByReason() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        rejectedBy.forEach((d, n) -> m.put(d.word(), n.get()));
        PeerWatch.Counters c = watch.counters();
        m.put("replayed", c.replayed.get());
        m.put("old_incarnation", c.oldIncarnation.get());
        m.put("foreign", c.foreign.get());
        return m;
    }

    private void reject(HeartbeatFrame.Defect d) {
        rejected.incrementAndGet();
        rejectedBy.get(d).incrementAndGet();
    }

    /** Each link with its last frame from the peer. */
    public String describeLinks() {
        return watch.describeLinks(System.nanoTime());
    }

    public List<PeerTracker.LinkView> links() {
        return watch.links(System.nanoTime());
    }

    public PeerTracker.PeerState peerState() {
        return watch.state();
    }

    /** The peer's incarnation heard last, or -1. */
    public long peerIncarnation() {
        return watch.incarnation();
    }

    /** What this node announces in its frames from now on; sent at once, not at the next keepalive. */
    public void announce(HeartbeatFrame.Status now) {
        boolean changed = !now.equals(status);
        this.status = now;
        if (changed && pulse != null) {
            java.util.concurrent.locks.LockSupport.unpark(pulse);
        }
    }

    /** This node's incarnation (its boot counter), carried in every frame. */
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
                    reject(e.defect());
                    Logger.warn("membership {} from {}: frame rejected: {}", link.name(), from, e.getMessage());
                }
            }

            @Override
            public void streamFrame(HeartbeatLink link, HeartbeatFrame.Read read) {
                if (read.frame() != null) {
                    accept(link, read.frame(), "the line");
                } else {
                    reject(read.defect() == null ? HeartbeatFrame.Defect.NOISE : read.defect());
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
                l.start(receiver, fatal);
            } catch (IOException e) {
                close();
                throw e;
            }
        }
        pulse = new Thread(this::pulse, "hb-pulse");
        pulse.setDaemon(true);
        pulse.setPriority(Thread.MAX_PRIORITY);
        pulse.setUncaughtExceptionHandler((t, e) -> fatal.die(t.getName(), e));
        pulse.start();
        Logger.info("membership {} (incarnation {}) -> {}: keepalive {} ms, warntime {} ms, deadtime {} ms, "
                        + "initdead {} ms, links: {}", config.node(), incarnation, config.peer(),
                config.keepalive().toMillis(), config.warntime().toMillis(),
                config.deadtime().toMillis(), config.initdead().toMillis(),
                String.join(", ", links.stream().map(HeartbeatLink::name).toList()));
    }

    private void accept(HeartbeatLink link, HeartbeatFrame f, String from) {
        long now = System.nanoTime();
        PeerWatch.Accepted a = watch.accept(link.name(), f, now);
        switch (a.verdict()) {
            case FRESH -> {
                gaps.computeIfAbsent(link.name(), k -> new GapRecorder()).frame(now);
                emit(a.events());
                listener.frame(f);
            }
            case COPY -> emit(a.events());
            case FOREIGN -> Logger.warn("membership {}: frame from '{}' ({}), which is not our peer '{}'; ignored",
                    link.name(), f.sender(), from, config.peer());
            case OLD_INCARNATION -> Logger.warn("membership {}: frame from an older incarnation of {} refused"
                    + " (incarnation {}, seq {})", link.name(), f.sender(), f.incarnation(), f.seqno());
            case REPLAYED -> Logger.warn("membership {}: replayed frame from {} refused (seq {})", link.name(),
                    f.sender(), f.seqno());
            default -> { }
        }
    }

    private void pulse() {
        Logger.info("membership: heartbeat sender on {}", dev.palisade.drivers.platform.Realtime.thisThread(10));
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
                byte[] frame = encoder.encode(current, incarnation, seqno.incrementAndGet(), System.currentTimeMillis(),
                        (int) config.keepalive().toMillis(), (int) config.deadtime().toMillis());
                for (HeartbeatLink l : links) {
                    if (!l.send(frame)) {
                        sendFailures.incrementAndGet();
                    }
                }
                nextSend = now - nextSend >= 0 ? nextSend + period : now + period;
                if (now - nextSend > period) {
                    nextSend = now + period; // we were stopped for more than a period: do not burst
                }
            }
            emit(watch.tick(System.nanoTime()));
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
                case PEER_WARN, LINK_DOWN, STALLED -> Logger.warn("membership: {} {}: {}",
                        e.kind() == PeerTracker.Event.Kind.LINK_DOWN ? "link down"
                                : e.kind() == PeerTracker.Event.Kind.STALLED ? "stalled"
                                : "peer " + config.peer() + " late", e.link() == null ? "" : e.link(), e.detail());
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

    /** Stops sending at once (a node that can no longer decide must fall silent so its peer fences it). */
    public void silence() {
        closed = true;
        if (pulse != null) {
            pulse.interrupt();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            gapSummaries().forEach((link, summary) -> Logger.info("membership: frame gaps on {}: {}", link, summary));
            PeerWatch.Counters c = watch.counters();
            Logger.info("membership: {} frames accepted, {} copies on other links, {} rejected, {} replayed, {} from"
                            + " an older incarnation", c.frames.get(), c.copies.get(), rejected.get(),
                    c.replayed.get(), c.oldIncarnation.get());
        }
        silence();
        for (HeartbeatLink l : links) {
            l.close();
        }
    }
}
