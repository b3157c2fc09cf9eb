package dev.palisade.supervisor.membership;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import dev.palisade.fence.wire.MagicScanner;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * One heartbeat, big-endian (docs/membership.md):
 *
 * <pre>
 *   off  size  field
 *     0   4    magic "PLHB"
 *     4   1    version (2)
 *     5   1    type (1 heartbeat)
 *     6   1    sender's failover state (0 unknown, 1 + FailoverMachine.State ordinal)
 *     7   1    n: length of the sender's name (1..63)
 *     8   n    sender's node name, UTF-8
 *   8+n   8    incarnation: the sender's start time in ms; a restart raises it
 *  16+n   8    sequence number, from 1 within an incarnation
 *  24+n   8    sender's wall clock, ms (informational)
 *  32+n   4    sender's keepalive, ms
 *  36+n   4    sender's deadtime, ms
 *  40+n   1    desire, signed: -1 not eligible, 0 yielding, 1 eligible, 2 home node, 3 asked to take over
 *  41+n   1    flags: bit 0 asks the peer to release the resources; bit 1 leaving (an orderly shutdown)
 *  42+n   8    claim to start the resources (0 none)
 *  50+n   8    the peer's claim this node grants (0 none)
 *  58+n  32    HMAC-SHA256 over bytes 0..57+n, key = HKDF-SHA256(cluster key, "palisade heartbeat v1")
 * </pre>
 */
public record HeartbeatFrame(Status status, String sender, long incarnation, long seqno, long wallClockMillis,
                             int keepaliveMillis, int deadtimeMillis) {
    public static final byte[] MAGIC = {'P', 'L', 'H', 'B'};
    public static final int VERSION = 2;
    public static final int TYPE_HEARTBEAT = 1;
    public static final int MAC_SIZE = 32;
    public static final int MAX_NAME = 63;
    /** Bytes between the name and the MAC. */
    static final int BODY = 50;
    /** Largest frame: 8 + 63 + 50 + 32. */
    public static final int MAX_SIZE = 8 + MAX_NAME + BODY + MAC_SIZE;

    /** What the sender's failover machine tells the peer (see FailoverMachine.PeerView). */
    public record Status(int state, int desire, long claim, long grant, boolean wantsRelease, boolean leaving) {
        public static final Status UNKNOWN = new Status(0, -1, 0, 0, false, false);

        public Status {
            if (state < 0 || state > 255 || desire < -128 || desire > 127) {
                throw new IllegalArgumentException("state " + state + " / desire " + desire + " out of range");
            }
        }
    }

    /** The heartbeat MAC key derived from the cluster key. */
    public static final class Key {
        private final byte[] key;

        public Key(byte[] clusterKey) {
            HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
            g.init(new HKDFParameters(clusterKey, "palisade-membership".getBytes(StandardCharsets.US_ASCII),
                    "palisade heartbeat v1".getBytes(StandardCharsets.US_ASCII)));
            byte[] k = new byte[32];
            g.generateBytes(k, 0, 32);
            key = k;
            macs = ThreadLocal.withInitial(() -> {
                HMac m = new HMac(new SHA256Digest());
                m.init(new KeyParameter(k));
                return m;
            });
        }

        /** One HMAC per thread (the pulse, each link's receiver), keyed once: no allocation per frame. */
        private final ThreadLocal<HMac> macs;
        private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[MAC_SIZE]);

        byte[] mac(byte[] b, int len) {
            byte[] out = new byte[MAC_SIZE];
            mac(b, len, out, 0);
            return out;
        }

        /** The MAC of {@code b[0..len)} into {@code out[at..at+32)}; doFinal leaves the HMAC keyed for the next. */
        void mac(byte[] b, int len, byte[] out, int at) {
            HMac m = macs.get();
            m.update(b, 0, len);
            m.doFinal(out, at);
        }

        /** Whether {@code b[len..len+32)} is the MAC of {@code b[0..len)}, in constant time. */
        boolean verify(byte[] b, int len) {
            byte[] expected = scratch.get();
            mac(b, len, expected, 0);
            int diff = 0;
            for (int i = 0; i < MAC_SIZE; i++) {
                diff |= expected[i] ^ b[len + i];
            }
            return diff == 0;
        }
    }

    /**
     * Encodes this node's frames into one buffer it reuses (the pulse sends each frame synchronously before it
     * encodes the next), so the heartbeat path allocates nothing per frame.
     */
    public static final class Encoder {
        private final Key key;
        private final byte[] buf;
        private final ByteBuffer bb;
        private final int len;

        public Encoder(Key key, String sender) {
            byte[] name = sender.getBytes(StandardCharsets.UTF_8);
            if (name.length < 1 || name.length > MAX_NAME) {
                throw new IllegalArgumentException("node name must be 1..63 bytes: " + sender);
            }
            this.key = key;
            this.len = 8 + name.length + BODY;
            this.buf = new byte[len + MAC_SIZE];
            this.bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
            bb.put(MAGIC).put((byte) VERSION).put((byte) TYPE_HEARTBEAT).put((byte) 0).put((byte) name.length).put(name);
        }

        /** The frame, in the encoder's own buffer: valid until the next call. */
        public byte[] encode(Status status, long incarnation, long seqno, long wallClockMillis, int keepaliveMillis,
                             int deadtimeMillis) {
            buf[6] = (byte) status.state();
            bb.position(len - BODY);
            bb.putLong(incarnation).putLong(seqno).putLong(wallClockMillis).putInt(keepaliveMillis)
                    .putInt(deadtimeMillis);
            bb.put((byte) status.desire()).put((byte) ((status.wantsRelease() ? 1 : 0) | (status.leaving() ? 2 : 0)))
                    .putLong(status.claim()).putLong(status.grant());
            key.mac(buf, len, buf, len);
            return buf;
        }
    }

    /**
     * Why bytes are not an authentic heartbeat, by kind (counted by reason for metrics: a run of MAC failures is a
     * wrong key or an attack, NOISE a bad serial line).
     */
    public enum Defect {
        TRUNCATED, MAGIC, VERSION, TYPE, NAME, LENGTH, MAC, FLAGS, NOISE;

        /** The label value metrics use. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Why bytes are not an authentic heartbeat. */
    public static final class FrameException extends Exception {
        private final Defect defect;

        public FrameException(Defect defect, String message) {
            super(message);
            this.defect = defect;
        }

        public Defect defect() {
            return defect;
        }
    }

    /** A fresh copy of this frame's bytes (tests, tools); the pulse uses an {@link Encoder}. */
    public byte[] encode(Key key) {
        return new Encoder(key, sender).encode(status, incarnation, seqno, wallClockMillis, keepaliveMillis,
                deadtimeMillis).clone();
    }

    /** Decodes and authenticates one whole frame (a datagram). */
    public static HeartbeatFrame decode(byte[] b, Key key) throws FrameException {
        if (b.length < 8) {
            throw new FrameException(Defect.TRUNCATED, "frame is " + b.length + " bytes, shorter than its header");
        }
        if (!Arrays.equals(b, 0, 4, MAGIC, 0, 4)) {
            throw new FrameException(Defect.MAGIC, "no PLHB magic");
        }
        if ((b[4] & 0xff) != VERSION) {
            throw new FrameException(Defect.VERSION, "version " + (b[4] & 0xff) + " (this node speaks " + VERSION + ")");
        }
        if ((b[5] & 0xff) != TYPE_HEARTBEAT) {
            throw new FrameException(Defect.TYPE, "unknown frame type " + (b[5] & 0xff));
        }
        int n = b[7] & 0xff;
        if (n < 1 || n > MAX_NAME) {
            throw new FrameException(Defect.NAME, "sender name length " + n);
        }
        int len = 8 + n + BODY;
        if (b.length != len + MAC_SIZE) {
            throw new FrameException(Defect.LENGTH, "frame is " + b.length + " bytes, its header says " + (len + MAC_SIZE));
        }
        if (!key.verify(b, len)) {
            throw new FrameException(Defect.MAC, "HMAC mismatch (wrong cluster key, or corrupted)");
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, 8, n)).toString();
        } catch (CharacterCodingException e) {
            throw new FrameException(Defect.NAME, "sender name is not UTF-8");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 8 + n, BODY).order(ByteOrder.BIG_ENDIAN);
        long incarnation = bb.getLong();
        long seqno = bb.getLong();
        long wall = bb.getLong();
        int keepalive = bb.getInt();
        int deadtime = bb.getInt();
        int desire = bb.get();
        int flags = bb.get() & 0xff;
        if ((flags & ~3) != 0) {
            throw new FrameException(Defect.FLAGS, "unknown flags 0x" + Integer.toHexString(flags));
        }
        Status status = new Status(b[6] & 0xff, desire, bb.getLong(), bb.getLong(), (flags & 1) != 0,
                (flags & 2) != 0);
        return new HeartbeatFrame(status, name, incarnation, seqno, wall, keepalive, deadtime);
    }

    /** What a stream reader found: a frame, or the reason (and its kind) the bytes after a magic were not one. */
    public record Read(HeartbeatFrame frame, String rejected, int skipped, Defect defect) {
        public Read(HeartbeatFrame frame, String rejected, int skipped) {
            this(frame, rejected, skipped, frame == null ? Defect.NOISE : null);
        }
    }

    /**
     * Reads the next frame from a byte stream (a serial line): skips noise up to a magic, reads the rest by
     * the length in the header, and authenticates it. A corrupt frame is reported and reading goes on at the
     * next magic, so noise can never produce a frame, and a half frame cannot hang the reader beyond the
     * stream's own deadline.
     */
    public static Read read(InputStream in, Key key, int maxSkip) throws IOException {
        MagicScanner.Found found;
        try {
            found = MagicScanner.next(in, maxSkip, MAGIC);
        } catch (EOFException e) {
            throw new EOFException("serial line closed");
        }
        if (found.magic() < 0) {
            return new Read(null, "no frame in " + found.skipped() + " bytes of noise", found.skipped());
        }
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new EOFException("serial line closed inside a frame");
        }
        int n = head[3] & 0xff;
        if (n < 1 || n > MAX_NAME) {
            return new Read(null, "sender name length " + n, found.skipped(), Defect.NAME);
        }
        byte[] rest = in.readNBytes(n + BODY + MAC_SIZE);
        if (rest.length < n + BODY + MAC_SIZE) {
            throw new EOFException("serial line closed inside a frame");
        }
        byte[] all = new byte[8 + rest.length];
        System.arraycopy(MAGIC, 0, all, 0, 4);
        System.arraycopy(head, 0, all, 4, 4);
        System.arraycopy(rest, 0, all, 8, rest.length);
        try {
            return new Read(decode(all, key), null, found.skipped());
        } catch (FrameException e) {
            return new Read(null, e.getMessage(), found.skipped(), e.defect());
        }
    }
}
