package dev.palisade.supervisor.membership;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
 *     4   1    version (1)
 *     5   1    type (1 heartbeat)
 *     6   1    sender's state
 *     7   1    n: length of the sender's name (1..63)
 *     8   n    sender's node name, UTF-8
 *   8+n   8    incarnation: the sender's start time in ms; a restart raises it
 *  16+n   8    sequence number, from 1 within an incarnation
 *  24+n   8    sender's wall clock, ms (informational)
 *  32+n   4    sender's keepalive, ms
 *  36+n   4    sender's deadtime, ms
 *  40+n  32    HMAC-SHA256 over bytes 0..39+n, key = HKDF-SHA256(cluster key, "palisade heartbeat v1")
 * </pre>
 */
public record HeartbeatFrame(int state, String sender, long incarnation, long seqno, long wallClockMillis,
                             int keepaliveMillis, int deadtimeMillis) {
    public static final byte[] MAGIC = {'P', 'L', 'H', 'B'};
    public static final int VERSION = 1;
    public static final int TYPE_HEARTBEAT = 1;
    public static final int MAC_SIZE = 32;
    public static final int MAX_NAME = 63;
    /** Largest frame: 8 + 63 + 32 + 32. */
    public static final int MAX_SIZE = 8 + MAX_NAME + 32 + MAC_SIZE;

    /** The heartbeat MAC key derived from the cluster key. */
    public static final class Key {
        private final byte[] key;

        public Key(byte[] clusterKey) {
            HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
            g.init(new HKDFParameters(clusterKey, "palisade-membership".getBytes(StandardCharsets.US_ASCII),
                    "palisade heartbeat v1".getBytes(StandardCharsets.US_ASCII)));
            key = new byte[32];
            g.generateBytes(key, 0, 32);
        }

        byte[] mac(byte[] b, int len) {
            HMac m = new HMac(new SHA256Digest());
            m.init(new KeyParameter(key));
            m.update(b, 0, len);
            byte[] out = new byte[MAC_SIZE];
            m.doFinal(out, 0);
            return out;
        }
    }

    /** Why bytes are not an authentic heartbeat. */
    public static final class FrameException extends Exception {
        public FrameException(String message) {
            super(message);
        }
    }

    public byte[] encode(Key key) {
        byte[] name = sender.getBytes(StandardCharsets.UTF_8);
        if (name.length < 1 || name.length > MAX_NAME) {
            throw new IllegalArgumentException("node name must be 1..63 bytes: " + sender);
        }
        int len = 8 + name.length + 32;
        ByteBuffer b = ByteBuffer.allocate(len + MAC_SIZE).order(ByteOrder.BIG_ENDIAN);
        b.put(MAGIC).put((byte) VERSION).put((byte) TYPE_HEARTBEAT).put((byte) state).put((byte) name.length).put(name);
        b.putLong(incarnation).putLong(seqno).putLong(wallClockMillis).putInt(keepaliveMillis).putInt(deadtimeMillis);
        byte[] out = b.array();
        System.arraycopy(key.mac(out, len), 0, out, len, MAC_SIZE);
        return out;
    }

    /** Decodes and authenticates one whole frame (a datagram). */
    public static HeartbeatFrame decode(byte[] b, Key key) throws FrameException {
        if (b.length < 8) {
            throw new FrameException("frame is " + b.length + " bytes, shorter than its header");
        }
        if (!Arrays.equals(b, 0, 4, MAGIC, 0, 4)) {
            throw new FrameException("no PLHB magic");
        }
        if ((b[4] & 0xff) != VERSION) {
            throw new FrameException("version " + (b[4] & 0xff) + " (this node speaks " + VERSION + ")");
        }
        if ((b[5] & 0xff) != TYPE_HEARTBEAT) {
            throw new FrameException("unknown frame type " + (b[5] & 0xff));
        }
        int n = b[7] & 0xff;
        if (n < 1 || n > MAX_NAME) {
            throw new FrameException("sender name length " + n);
        }
        int len = 8 + n + 32;
        if (b.length != len + MAC_SIZE) {
            throw new FrameException("frame is " + b.length + " bytes, its header says " + (len + MAC_SIZE));
        }
        if (!MessageDigest.isEqual(key.mac(b, len), Arrays.copyOfRange(b, len, len + MAC_SIZE))) {
            throw new FrameException("HMAC mismatch (wrong cluster key, or corrupted)");
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, 8, n)).toString();
        } catch (CharacterCodingException e) {
            throw new FrameException("sender name is not UTF-8");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 8 + n, 32).order(ByteOrder.BIG_ENDIAN);
        return new HeartbeatFrame(b[6] & 0xff, name, bb.getLong(), bb.getLong(), bb.getLong(), bb.getInt(), bb.getInt());
    }

    /** What a stream reader found: a frame, or the reason the bytes after a magic were not one. */
    public record Read(HeartbeatFrame frame, String rejected, int skipped) {
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
            return new Read(null, "sender name length " + n, found.skipped());
        }
        byte[] rest = in.readNBytes(n + 32 + MAC_SIZE);
        if (rest.length < n + 32 + MAC_SIZE) {
            throw new EOFException("serial line closed inside a frame");
        }
        byte[] all = new byte[8 + rest.length];
        System.arraycopy(MAGIC, 0, all, 0, 4);
        System.arraycopy(head, 0, all, 4, 4);
        System.arraycopy(rest, 0, all, 8, rest.length);
        try {
            return new Read(decode(all, key), null, found.skipped());
        } catch (FrameException e) {
            return new Read(null, e.getMessage(), found.skipped());
        }
    }
}
