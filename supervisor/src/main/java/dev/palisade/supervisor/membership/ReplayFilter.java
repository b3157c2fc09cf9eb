package dev.palisade.supervisor.membership;

/**
 * Accepts a peer's frames only forward: a newer incarnation (the peer restarted), or a higher sequence
 * number within the current one. A replayed frame, or one from an older incarnation, is refused, so a
 * recorded heartbeat can never keep a dead peer "alive".
 */
public final class ReplayFilter {
    public enum Verdict { FRESH, REPLAYED, OLD_INCARNATION }

    private long incarnation = -1;
    private long seqno = -1;

    public synchronized Verdict check(long frameIncarnation, long frameSeqno) {
        if (frameIncarnation < incarnation) {
            return Verdict.OLD_INCARNATION;
        }
        if (frameIncarnation == incarnation && frameSeqno <= seqno) {
            return Verdict.REPLAYED;
        }
        incarnation = frameIncarnation;
        seqno = frameSeqno;
        return Verdict.FRESH;
    }

    public synchronized long incarnation() {
        return incarnation;
    }
}
