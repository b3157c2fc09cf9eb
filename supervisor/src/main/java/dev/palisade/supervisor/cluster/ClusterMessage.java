package dev.palisade.supervisor.cluster;

import dev.palisade.supervisor.cluster.galera.GvwState;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * What Palisade nodes tell each other over their CPG group, in agreed order. Big-endian layout:
 * <pre>
 * offset size
 *   0     4   magic "PLSC"
 *   4     1   version (1)
 *   5     1   kind: 1 STATE, 2 FORCED, 3 FENCED, 4 PC_RECOVERY_FAILED, 5 CLAIM_SEEN
 *   6     2   body length
 *   8     -   body
 * STATE (56 bytes): phase (1, {@link Phase#wire()}); flags (1: 0x01 Primary, 0x02 eligible for the VIP
 *   (Primary, Synced, ready), 0x04 holds the VIP, 0x08 a report follows, 0x10 safe_to_bootstrap, 0x20 recovered,
 *   0x40 a view follows; 0x80 reserved); reserved (2, zero); report uuid (16); report seqno (8, signed); view
 *   uuid (16); view seq (8); view type (4). Fields a flag does not announce are zero.
 * FORCED, FENCED and CLAIM_SEEN (4 bytes): the node id an operator gave up on (after its fence), that was fenced,
 *   or whose claim on the VIP was the first the sender saw.
 * PC_RECOVERY_FAILED (0 bytes): Galera's own recovery did not re-form the component in time.
 * </pre>
 * Messages come only from members of the group (corosync's authenticated, encrypted knet), so the decoder's job
 * is a version mismatch or a bug, never an attacker: any defect is reported and the message dropped.
 */
public sealed interface ClusterMessage {
    int MAGIC = 0x504c5343;
    int VERSION = 1;
    int HEADER = 8;
    int STATE_BODY = 56;

    /** A node's Galera phase, its VIP flags and, when stopped, its report. */
    record State(Phase phase, boolean primary, boolean eligible, boolean vipHeld, Report report)
            implements ClusterMessage {
    }

    /** An operator gave node {@code nodeId} up for this outage; it was fenced first. */
    record Forced(int nodeId) implements ClusterMessage {
    }

    /** Node {@code nodeId}, lost while it held the VIP, is verified fenced. */
    record Fenced(int nodeId) implements ClusterMessage {
    }

    /**
     * The claim on the VIP of node {@code nodeId} is the first one the sender saw in the stream. A claimer takes
     * the VIP only once every member of the group has said so: a claim that only its sender delivered (totem can
     * order a message that the far side of a partition never receives) is never acted on.
     */
    record ClaimSeen(int nodeId) implements ClusterMessage {
    }

    /** Galera's pc.recovery did not re-form the Primary Component in time: the election decides. */
    record PcRecoveryFailed() implements ClusterMessage {
    }

    /** What is wrong with a received message. */
    enum Defect { SHORT, MAGIC, VERSION, KIND, LENGTH, PHASE, FLAGS, RESERVED, NODE }

    final class DecodeException extends Exception {
        private final Defect defect;

        public DecodeException(Defect defect, String message) {
            super(message);
            this.defect = defect;
        }

        public Defect defect() {
            return defect;
        }
    }

    default byte[] encode() {
        int kind;
        ByteBuffer body;
        if (this instanceof State s) {
            kind = 1;
            body = ByteBuffer.allocate(STATE_BODY);
            Report r = s.report();
            int flags = (s.primary() ? 0x01 : 0) | (s.eligible() ? 0x02 : 0) | (s.vipHeld() ? 0x04 : 0);
            if (r != null) {
                flags |= 0x08 | (r.safeToBootstrap() ? 0x10 : 0) | (r.recovered() ? 0x20 : 0)
                        | (r.view() != null ? 0x40 : 0);
            }
            body.put((byte) s.phase().wire()).put((byte) flags).putShort((short) 0);
            UUID u = r == null ? new UUID(0, 0) : r.uuid();
            body.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).putLong(r == null ? 0 : r.seqno());
            GvwState.View v = r == null ? null : r.view();
            UUID vu = v == null ? new UUID(0, 0) : v.uuid();
            body.putLong(vu.getMostSignificantBits()).putLong(vu.getLeastSignificantBits())
                    .putLong(v == null ? 0 : v.seq()).putInt(v == null ? 0 : v.type());
        } else if (this instanceof Forced f) {
            kind = 2;
            body = ByteBuffer.allocate(4).putInt(f.nodeId());
        } else if (this instanceof Fenced f) {
            kind = 3;
            body = ByteBuffer.allocate(4).putInt(f.nodeId());
        } else if (this instanceof ClaimSeen c) {
            kind = 5;
            body = ByteBuffer.allocate(4).putInt(c.nodeId());
        } else {
            kind = 4;
            body = ByteBuffer.allocate(0);
        }
        return ByteBuffer.allocate(HEADER + body.capacity()).putInt(MAGIC).put((byte) VERSION).put((byte) kind)
                .putShort((short) body.capacity()).put(body.array()).array();
    }

    static ClusterMessage decode(byte[] m) throws DecodeException {
        if (m.length < HEADER) {
            throw new DecodeException(Defect.SHORT, m.length + " bytes, less than the " + HEADER + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        if (b.getInt() != MAGIC) {
            throw new DecodeException(Defect.MAGIC, "no PLSC magic: not a Palisade message");
        }
        int version = b.get() & 0xff;
        if (version != VERSION) {
            throw new DecodeException(Defect.VERSION, "version " + version + " (this node speaks " + VERSION
                    + "): upgrade every node to the same release");
        }
        int kind = b.get() & 0xff;
        int length = b.getShort() & 0xffff;
        int want = switch (kind) {
            case 1 -> STATE_BODY;
            case 2, 3, 5 -> 4;
            case 4 -> 0;
            default -> throw new DecodeException(Defect.KIND, "unknown kind " + kind);
        };
        if (length != want || m.length != HEADER + length) {
            throw new DecodeException(Defect.LENGTH, "kind " + kind + " with body length " + length + " in a "
                    + m.length + "-byte message (a body of " + want + " bytes expected)");
        }
        switch (kind) {
            case 2, 3, 5 -> {
                int node = b.getInt();
                if (node <= 0) {
                    throw new DecodeException(Defect.NODE, "node id " + (node & 0xffffffffL) + " (corosync node ids"
                            + " are positive)");
                }
                return kind == 2 ? new Forced(node) : kind == 3 ? new Fenced(node) : new ClaimSeen(node);
            }
            case 4 -> {
                return new PcRecoveryFailed();
            }
            default -> {
                return state(b);
            }
        }
    }

    private static State state(ByteBuffer b) throws DecodeException {
        int p = b.get() & 0xff;
        Phase phase = Phase.fromWire(p);
        if (phase == null) {
            throw new DecodeException(Defect.PHASE, "unknown phase " + p);
        }
        int flags = b.get() & 0xff;
        if ((flags & 0x80) != 0 || ((flags & 0x08) == 0 && (flags & 0x70) != 0)) {
            throw new DecodeException(Defect.FLAGS, "flags 0x" + Integer.toHexString(flags)
                    + " (reserved bit, or report flags without a report)");
        }
        if (b.getShort() != 0) {
            throw new DecodeException(Defect.RESERVED, "reserved bytes are not zero");
        }
        UUID uuid = new UUID(b.getLong(), b.getLong());
        long seqno = b.getLong();
        UUID viewUuid = new UUID(b.getLong(), b.getLong());
        long viewSeq = b.getLong();
        int viewType = b.getInt();
        boolean hasReport = (flags & 0x08) != 0;
        boolean hasView = (flags & 0x40) != 0;
        if ((!hasReport && (uuid.getMostSignificantBits() != 0 || uuid.getLeastSignificantBits() != 0 || seqno != 0))
                || (!hasView && (viewUuid.getMostSignificantBits() != 0 || viewUuid.getLeastSignificantBits() != 0
                || viewSeq != 0 || viewType != 0))) {
            throw new DecodeException(Defect.RESERVED, "fields no flag announces are not zero");
        }
        if (hasReport && seqno < -1) {
            throw new DecodeException(Defect.FLAGS, "seqno " + seqno + " (-1 is the lowest)");
        }
        Report r = hasReport ? new Report(uuid, seqno, (flags & 0x10) != 0, (flags & 0x20) != 0,
                hasView ? new GvwState.View(viewType, viewUuid, viewSeq) : null) : null;
        return new State(phase, (flags & 0x01) != 0, (flags & 0x02) != 0, (flags & 0x04) != 0, r);
    }
}
