package dev.palisade.fence.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code host_state_t}: one 130-byte entry of the host-list stream (64-byte name, 64-byte UUID string,
 * the raw libvirt domain state, one pad byte). Palisade zero-fills every byte that fence_virtd leaves
 * uninitialised, so a name is always NUL-terminated on the wire.
 */
public record HostState(String domain, String uuid, int state) {
    public static final int SIZE = 130;
    private static final int FIELD = 64;

    /** The all-zero entry that terminates a host list. */
    public static final byte[] TERMINATOR = new byte[SIZE];

    public byte[] encode() {
        byte[] out = new byte[SIZE];
        put(out, 0, domain);
        put(out, FIELD, uuid);
        out[2 * FIELD] = (byte) state;
        return out;
    }

    /** Writes the entry into {@code out} (130 bytes), as {@link #encode()} lays it out. */
    public void encodeTo(io.netty.buffer.ByteBuf out) {
        putField(out, domain);
        putField(out, uuid);
        out.writeByte(state);
        out.writeByte(0);
    }

    private static void putField(io.netty.buffer.ByteBuf out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, FIELD - 1);
        out.writeBytes(b, 0, n);
        out.writeZero(FIELD - n);
    }

    /** Names longer than 63 bytes are cut at 63 so the field keeps its NUL; fence_virtd does the same copy. */
    private static void put(byte[] out, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, out, off, Math.min(b.length, FIELD - 1));
    }

    public static boolean isTerminator(byte[] entry) {
        return Arrays.equals(entry, TERMINATOR);
    }

    /** Decodes one entry; fields end at the first NUL or at 64 bytes, as a C client reads them. */
    public static HostState decode(byte[] entry) throws WireFormatException {
        if (entry.length != SIZE) {
            throw new WireFormatException("host entry is " + entry.length + " bytes; host_state_t is " + SIZE);
        }
        return new HostState(field(entry, 0), field(entry, FIELD), entry[2 * FIELD] & 0xff);
    }

    private static String field(byte[] entry, int off) {
        int end = off;
        while (end < off + FIELD && entry[end] != 0) {
            end++;
        }
        return new String(entry, off, end - off, StandardCharsets.UTF_8);
    }
}
