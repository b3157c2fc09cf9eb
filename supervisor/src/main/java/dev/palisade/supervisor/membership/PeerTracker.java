package dev.palisade.supervisor.membership;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heartbeat's timers for one peer over several links, with no I/O and time passed in (so tests and the
 * simulation drive it with a simulated clock). Heartbeat's meanings: a warning when every link has been silent
 * for warntime, "dead" when every link has been silent for deadtime (initdead while the peer has never been
 * heard since this node started). A single silent link is a link-down warning, never a death.
 *
 * <p>Only a fresh frame (newer than any seen on any link) keeps the peer alive; a copy of an already seen frame
 * arriving on another link keeps only that link up. And when this process itself was not scheduled for a while
 * (a pause of the whole JVM, a starved machine), frames that arrived meanwhile are still queued in the sockets:
 * a tick right after such a stall does not declare the peer dead before they were read ({@link #STALL_GRACE_TICKS}
 * more ticks), because the silence may be ours, not the peer's.
 */
public final class PeerTracker {
    public enum PeerState {
        WAITING, ALIVE, WARNED, DEAD;

        /** Heard now: alive, or late but not yet dead. */
        public boolean heard() {
            return this == ALIVE || this == WARNED;
        }
    }

    /** After a stall, how many further ticks the receivers get to deliver what queued up before a death counts. */
    static final int STALL_GRACE_TICKS = 2;

    /** What changed, for the log and for the failover machine; {@code neverHeard}: a death by initdead. */
    public record Event(Kind kind, String link, long silentNanos, String detail, boolean neverHeard) {
        public enum Kind { PEER_ALIVE, PEER_WARN, PEER_DEAD, PEER_BACK, LINK_UP, LINK_DOWN, STALLED }

        public Event(Kind kind, String link, long silentNanos, String detail) {
            this(kind, link, silentNanos, detail, false);
        }
    }

    /** One link as status shows it: up, when its last frame arrived (ms ago, -1 never) and its sequence number. */
    public record LinkView(String name, boolean up, long agoMillis, long seqno) {
    }

    private static final class Link {
        long lastHeard = -1;
        long lastSeqno;
        boolean up;
    }

    private final long warnNanos;
    private final long deadNanos;
    private final long initdeadNanos;
    private final long stallNanos;
    private final long started;
    private final Map<String, Link> links = new LinkedHashMap<>();
    private PeerState state = PeerState.WAITING;
    private long lastHeard = -1;
    private long lastTick;
    private int graceTicks;

    /**
     * {@code stallNanos}: a gap between two ticks this long means this process was not scheduled (the pulse
     * ticks four times per keepalive). Membership uses half the deadtime: a shorter stall cannot make a peer
     * that sends every keepalive look silent for a whole deadtime.
     */
    public PeerTracker(long warnNanos, long deadNanos, long initdeadNanos, long stallNanos, long nowNanos,
                       List<String> linkNames) {
        this.warnNanos = warnNanos;
        this.deadNanos = deadNanos;
        this.initdeadNanos = initdeadNanos;
        this.stallNanos = stallNanos;
        this.started = nowNanos;
        this.lastTick = nowNanos;
        for (String l : linkNames) {
            links.put(l, new Link());
        }
    }

    public PeerState state() {
        return state;
    }

    /**
     * An authentic frame from the peer arrived on {@code link}; {@code fresh} when it is newer than every frame
     * seen on any link (only that proves the peer alive), otherwise a copy that keeps this link up.
     */
    public List<Event> heard(String link, long nowNanos, long seqno, boolean fresh) {
        List<Event> out = new ArrayList<>();
        Link l = links.get(link);
        l.lastHeard = nowNanos;
        l.lastSeqno = seqno;
        if (!l.up) {
            l.up = true;
            out.add(new Event(Event.Kind.LINK_UP, link, 0, "frames arrive on " + link));
        }
        if (!fresh) {
            return out;
        }
        lastHeard = nowNanos;
        switch (state) {
            case WAITING -> out.add(new Event(Event.Kind.PEER_ALIVE, link, 0, "first heartbeat"));
            case WARNED -> out.add(new Event(Event.Kind.PEER_ALIVE, link, 0, "heartbeats resumed after a warning"));
            case DEAD -> out.add(new Event(Event.Kind.PEER_BACK, link, 0, "a node declared dead is sending again"));
            default -> { }
        }
        state = PeerState.ALIVE;
        return out;
    }

    /** Time passes: returns the warnings and deaths now due. */
    public List<Event> tick(long nowNanos) {
        List<Event> out = new ArrayList<>();
        long gap = nowNanos - lastTick;
        lastTick = nowNanos;
        if (gap >= stallNanos) {
            graceTicks = STALL_GRACE_TICKS;
            out.add(new Event(Event.Kind.STALLED, null, gap, "this process was not scheduled for " + ms(gap)
                    + ": reading what arrived meanwhile before judging the peer"));
            return out;
        }
        if (graceTicks > 0) {
            graceTicks--;
            return out;
        }
        for (Map.Entry<String, Link> e : links.entrySet()) {
            Link l = e.getValue();
            if (l.up && nowNanos - l.lastHeard >= deadNanos) {
                l.up = false;
                out.add(new Event(Event.Kind.LINK_DOWN, e.getKey(), nowNanos - l.lastHeard,
                        "no frame on " + e.getKey() + " for " + ms(nowNanos - l.lastHeard)));
            }
        }
        if (state == PeerState.WAITING) {
            if (nowNanos - started >= initdeadNanos) {
                state = PeerState.DEAD;
                out.add(new Event(Event.Kind.PEER_DEAD, null, nowNanos - started,
                        "never heard on any link within initdead (" + ms(initdeadNanos) + ")", true));
            }
            return out;
        }
        if (state == PeerState.DEAD) {
            return out;
        }
        long silent = nowNanos - lastHeard;
        if (silent >= deadNanos) {
            state = PeerState.DEAD;
            out.add(new Event(Event.Kind.PEER_DEAD, null, silent, "every link silent for " + ms(silent) + ": "
                    + describeLinks(nowNanos)));
        } else if (silent >= warnNanos && state == PeerState.ALIVE) {
            state = PeerState.WARNED;
            out.add(new Event(Event.Kind.PEER_WARN, null, silent, "every link silent for " + ms(silent)
                    + " (warntime " + ms(warnNanos) + "): " + describeLinks(nowNanos)));
        }
        return out;
    }

    /** Each link with its last frame, for the reason of a warning or a death. */
    public String describeLinks(long nowNanos) {
        StringBuilder sb = new StringBuilder();
        for (LinkView l : links(nowNanos)) {
            sb.append(sb.length() == 0 ? "" : "; ").append(l.name()).append(": ");
            sb.append(l.agoMillis() < 0 ? "never heard" : "last frame seq " + l.seqno() + " " + l.agoMillis()
                    + " ms ago");
        }
        return sb.toString();
    }

    /** Every link as status shows it. */
    public List<LinkView> links(long nowNanos) {
        List<LinkView> out = new ArrayList<>();
        for (Map.Entry<String, Link> e : links.entrySet()) {
            Link l = e.getValue();
            out.add(new LinkView(e.getKey(), l.up, l.lastHeard < 0 ? -1 : (nowNanos - l.lastHeard) / 1_000_000,
                    l.lastSeqno));
        }
        return out;
    }

    /** When the peer was last heard fresh (nanos), or -1. */
    public long lastHeard() {
        return lastHeard;
    }

    private static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }
}
