package dev.palisade.supervisor.membership;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which of the peer's frames count, with no I/O and time passed in (the production membership feeds it from its
 * links; the simulation from simulated ones): frames from this node or from a stranger are dropped; an older
 * incarnation of the peer is refused; within the newest incarnation there is one freshness window across every
 * link. A frame newer than any seen on any link is fresh (it keeps the peer alive); a copy of a recent frame that
 * this link has not carried yet keeps only that link up (every frame goes out on every link); anything else is a
 * replay. So frames recorded on one link and replayed onto another that lagged behind never extend a dead
 * peer's life. Thread-safe: receivers of every link and the pulse call it.
 */
public final class PeerWatch {
    /** How far behind the newest frame a copy on a slower link may be and still count for that link. */
    static final int COPY_WINDOW = 64;

    public enum Verdict { FRESH, COPY, REPLAYED, OLD_INCARNATION, OWN, FOREIGN }

    /** What one frame did: its verdict and the tracker's events it caused. */
    public record Accepted(Verdict verdict, List<PeerTracker.Event> events) {
    }

    /** What was dropped, for status output and tests. */
    public static final class Counters {
        public final AtomicLong frames = new AtomicLong();
        public final AtomicLong copies = new AtomicLong();
        public final AtomicLong replayed = new AtomicLong();
        public final AtomicLong oldIncarnation = new AtomicLong();
        public final AtomicLong foreign = new AtomicLong();
    }

    private final String self;
    private final String peer;
    private final PeerTracker tracker;
    private final Counters counters = new Counters();
    private long incarnation = -1;
    private long newest = -1;
    private final Map<String, Long> lastOnLink = new HashMap<>();

    public PeerWatch(String self, String peer, PeerTracker tracker) {
        this.self = self;
        this.peer = peer;
        this.tracker = tracker;
    }

    public Counters counters() {
        return counters;
    }

    public synchronized Accepted accept(String link, HeartbeatFrame f, long nowNanos) {
        if (f.sender().equals(self)) {
            return new Accepted(Verdict.OWN, List.of()); // our own broadcast or multicast echo
        }
        if (!f.sender().equals(peer)) {
            counters.foreign.incrementAndGet();
            return new Accepted(Verdict.FOREIGN, List.of());
        }
        if (f.incarnation() < incarnation) {
            counters.oldIncarnation.incrementAndGet();
            return new Accepted(Verdict.OLD_INCARNATION, List.of());
        }
        if (f.incarnation() > incarnation) {
            incarnation = f.incarnation(); // the peer restarted: a new window
            newest = -1;
            lastOnLink.clear();
        }
        long onLink = lastOnLink.getOrDefault(link, -1L);
        if (f.seqno() > newest) {
            newest = f.seqno();
            lastOnLink.put(link, f.seqno());
            counters.frames.incrementAndGet();
            return new Accepted(Verdict.FRESH, tracker.heard(link, nowNanos, f.seqno(), true));
        }
        if (f.seqno() > onLink && f.seqno() > newest - COPY_WINDOW) {
            lastOnLink.put(link, f.seqno());
            counters.copies.incrementAndGet();
            return new Accepted(Verdict.COPY, tracker.heard(link, nowNanos, f.seqno(), false));
        }
        counters.replayed.incrementAndGet();
        return new Accepted(Verdict.REPLAYED, List.of());
    }

    public synchronized List<PeerTracker.Event> tick(long nowNanos) {
        return tracker.tick(nowNanos);
    }

    public synchronized PeerTracker.PeerState state() {
        return tracker.state();
    }

    public synchronized List<PeerTracker.LinkView> links(long nowNanos) {
        return tracker.links(nowNanos);
    }

    public synchronized String describeLinks(long nowNanos) {
        return tracker.describeLinks(nowNanos);
    }

    /** The peer's incarnation heard last, or -1. */
    public synchronized long incarnation() {
        return incarnation;
    }
}
