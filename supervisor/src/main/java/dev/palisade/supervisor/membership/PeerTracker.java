package dev.palisade.supervisor.membership;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heartbeat's timers for one peer over several links, with no I/O and time passed in (so tests drive it
 * with a simulated clock). Heartbeat's meanings: a warning when every link has been silent for warntime,
 * "dead" when every link has been silent for deadtime (initdead while the peer has never been heard since
 * this node started). A single silent link is a link-down warning, never a death.
 */
public final class PeerTracker {
    public enum PeerState { WAITING, ALIVE, WARNED, DEAD }

    /** What changed, for the log and for the failover machine. */
    public record Event(Kind kind, String link, long silentNanos, String detail) {
        public enum Kind { PEER_ALIVE, PEER_WARN, PEER_DEAD, PEER_BACK, LINK_UP, LINK_DOWN }
    }

    private static final class Link {
        long lastHeard = -1;
        long lastSeqno;
        boolean up;
    }

    private final long warnNanos;
    private final long deadNanos;
    private final long initdeadNanos;
    private final long started;
    private final Map<String, Link> links = new LinkedHashMap<>();
    private PeerState state = PeerState.WAITING;
    private long lastHeard = -1;

    public PeerTracker(long warnNanos, long deadNanos, long initdeadNanos, long nowNanos, List<String> linkNames) {
        this.warnNanos = warnNanos;
        this.deadNanos = deadNanos;
        this.initdeadNanos = initdeadNanos;
        this.started = nowNanos;
        for (String l : linkNames) {
            links.put(l, new Link());
        }
    }

    public PeerState state() {
        return state;
    }

    /** An authentic, fresh frame from the peer arrived on {@code link}. */
    public List<Event> heard(String link, long nowNanos, long seqno) {
        List<Event> out = new ArrayList<>();
        Link l = links.get(link);
        l.lastHeard = nowNanos;
        l.lastSeqno = seqno;
        lastHeard = nowNanos;
        if (!l.up) {
            l.up = true;
            out.add(new Event(Event.Kind.LINK_UP, link, 0, "frames arrive on " + link));
        }
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
                        "never heard on any link within initdead (" + ms(initdeadNanos) + ")"));
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
        for (Map.Entry<String, Link> e : links.entrySet()) {
            Link l = e.getValue();
            sb.append(sb.length() == 0 ? "" : "; ").append(e.getKey()).append(": ");
            sb.append(l.lastHeard < 0 ? "never heard" : "last frame seq " + l.lastSeqno + " "
                    + ms(nowNanos - l.lastHeard) + " ago");
        }
        return sb.toString();
    }

    private static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }
}
