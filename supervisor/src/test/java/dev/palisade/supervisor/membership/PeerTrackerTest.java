package dev.palisade.supervisor.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.membership.PeerTracker.Event.Kind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tracker under a simulated clock (ms here): keepalive 100, warntime 300, deadtime 500, initdead 2000. */
class PeerTrackerTest {
    static final long MS = 1_000_000L;
    final PeerTracker t = new PeerTracker(300 * MS, 500 * MS, 2000 * MS, 250 * MS, 0, List.of("serial", "udp"));

    private List<Kind> kinds(List<PeerTracker.Event> es) {
        List<Kind> out = new ArrayList<>();
        es.forEach(e -> out.add(e.kind()));
        return out;
    }

    /** Runs the clock from {@code from} to {@code to} ms, ticking every 25 ms; returns every event. */
    private List<PeerTracker.Event> run(long from, long to) {
        List<PeerTracker.Event> out = new ArrayList<>();
        for (long ms = from; ms <= to; ms += 25) {
            out.addAll(t.tick(ms * MS));
        }
        return out;
    }

    @Test
    void deadAtDeadtimeWhenEveryLinkIsSilentWithAWarningBefore() {
        assertEquals(List.of(Kind.LINK_UP, Kind.PEER_ALIVE), kinds(t.heard("serial", 0, 1, true)));
        assertEquals(List.of(Kind.LINK_UP), kinds(t.heard("udp", 0, 1, true)));
        List<PeerTracker.Event> es = run(25, 700);
        assertEquals(List.of(Kind.PEER_WARN, Kind.LINK_DOWN, Kind.LINK_DOWN, Kind.PEER_DEAD), kinds(es));
        assertEquals(300 * MS, es.get(0).silentNanos());
        PeerTracker.Event dead = es.get(3);
        assertEquals(500 * MS, dead.silentNanos());
        assertTrue(dead.detail().contains("serial: last frame seq 1") && dead.detail().contains("udp"), dead.detail());
        assertEquals(PeerTracker.PeerState.DEAD, t.state());
    }

    @Test
    void oneSilentLinkIsALinkDownNeverADeath() {
        t.heard("serial", 0, 1, true);
        t.heard("udp", 0, 1, true);
        List<PeerTracker.Event> all = new ArrayList<>();
        for (long ms = 100; ms <= 3000; ms += 100) {
            all.addAll(t.heard("udp", ms * MS, ms / 100 + 1, true));
            all.addAll(t.tick(ms * MS + 50 * MS));
        }
        assertEquals(List.of(Kind.LINK_DOWN), kinds(all));
        assertEquals("serial", all.get(0).link());
        assertEquals(PeerTracker.PeerState.ALIVE, t.state());
        assertEquals(List.of(Kind.LINK_UP), kinds(t.heard("serial", 3100 * MS, 32, true)), "the cable is back");
    }

    @Test
    void aPeerNeverHeardIsDeadAfterInitdeadNotDeadtime() {
        assertEquals(List.of(), kinds(run(0, 1975)));
        assertEquals(List.of(Kind.PEER_DEAD), kinds(t.tick(2000 * MS)));
    }

    @Test
    void aLateFrameClearsTheWarningAndADeadPeerComingBackIsReported() {
        t.heard("udp", 0, 1, true);
        assertEquals(List.of(Kind.PEER_WARN), kinds(run(25, 350)));
        assertEquals(List.of(Kind.PEER_ALIVE), kinds(t.heard("udp", 360 * MS, 2, true)));
        run(375, 1000);
        assertEquals(PeerTracker.PeerState.DEAD, t.state());
        assertEquals(List.of(Kind.LINK_UP, Kind.PEER_BACK), kinds(t.heard("udp", 1100 * MS, 1, true)));
    }

    @Test
    void aStallOfThisProcessGivesTheReceiversTheirTurnBeforeADeathCounts() {
        t.heard("udp", 0, 1, true);
        run(25, 100);
        // the whole process was paused for 600 ms: frames that arrived meanwhile are still in the socket
        assertEquals(List.of(Kind.STALLED), kinds(t.tick(700 * MS)), "no death on the tick right after the stall");
        assertEquals(List.of(), kinds(t.tick(725 * MS)));
        assertEquals(List.of(), kinds(t.heard("udp", 726 * MS, 5, true)), "the queued frame is read: alive");
        assertEquals(List.of(), kinds(run(750, 800)));
        assertEquals(PeerTracker.PeerState.ALIVE, t.state());
        // when nothing had arrived, the death comes a few ticks later
        t.tick(1900 * MS);
        assertEquals(List.of(), kinds(t.tick(1925 * MS)));
        assertEquals(List.of(), kinds(t.tick(1950 * MS)));
        assertEquals(List.of(Kind.LINK_DOWN, Kind.PEER_DEAD), kinds(t.tick(1975 * MS)));
    }

    @Test
    void aCopyOfAFrameKeepsItsLinkUpButNotThePeerAlive() {
        t.heard("serial", 0, 1, true);
        t.heard("udp", 0, 1, true);
        run(25, 400);
        assertEquals(List.of(), kinds(t.heard("udp", 410 * MS, 1, false)), "a copy: the link stays up");
        List<PeerTracker.Event> es = run(425, 500);
        assertEquals(List.of(Kind.LINK_DOWN, Kind.PEER_DEAD), kinds(es), "the peer dies at deadtime regardless");
    }
}
