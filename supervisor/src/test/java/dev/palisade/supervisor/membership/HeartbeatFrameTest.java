package dev.palisade.supervisor.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HeartbeatFrameTest {
    static final HeartbeatFrame.Key KEY = new HeartbeatFrame.Key("cluster key of enough length for tests".getBytes());
    static final HeartbeatFrame F = new HeartbeatFrame(new HeartbeatFrame.Status(2, -1, 0x1234L << 40 | 7, 99, true, true), "pf1", 1_700_000_000_000L, 42, 1_700_000_000_123L, 100, 500);

    @Test
    void roundTrip() throws Exception {
        byte[] b = F.encode(KEY);
        assertEquals(8 + 3 + 50 + 32, b.length);
        assertEquals(F, HeartbeatFrame.decode(b, KEY));
        assertEquals(-1, HeartbeatFrame.decode(b, KEY).status().desire());
        assertTrue(HeartbeatFrame.decode(b, KEY).status().wantsRelease());
        assertTrue(HeartbeatFrame.decode(b, KEY).status().leaving());
    }

    @Test
    void unknownFlagsAreRefusedEvenWithAValidMac() throws Exception {
        byte[] b = F.encode(KEY);
        int flagsAt = 41 + 3;
        b[flagsAt] |= 0x80;
        int len = b.length - HeartbeatFrame.MAC_SIZE;
        System.arraycopy(KEY.mac(b, len), 0, b, len, HeartbeatFrame.MAC_SIZE);
        assertTrue(reject(b).contains("unknown flags 0x83"), reject(b));
    }

    @Test
    void everyMalformationIsRejectedWithItsReason() {
        byte[] good = F.encode(KEY);
        assertTrue(reject(Arrays.copyOf(good, 5)).contains("shorter than its header"));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(reject(magic).contains("magic"));
        byte[] version = good.clone();
        version[4] = 9;
        assertTrue(reject(version).contains("version 9"));
        byte[] type = good.clone();
        type[5] = 7;
        assertTrue(reject(type).contains("type 7"));
        byte[] len = good.clone();
        len[7] = 0;
        assertTrue(reject(len).contains("name length 0"));
        assertTrue(reject(Arrays.copyOf(good, good.length + 1)).contains("header says"));
        byte[] flipped = good.clone();
        flipped[20] ^= 1;
        assertTrue(reject(flipped).contains("HMAC mismatch"));
        HeartbeatFrame.Key other = new HeartbeatFrame.Key("another cluster key, also long enough".getBytes());
        assertThrows(HeartbeatFrame.FrameException.class, () -> HeartbeatFrame.decode(good, other));
    }

    private static String reject(byte[] b) {
        return assertThrows(HeartbeatFrame.FrameException.class, () -> HeartbeatFrame.decode(b, KEY)).getMessage();
    }

    @Test
    void streamReaderResynchronisesAfterNoiseAndCorruptFrames() throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(new byte[] {1, 2, 3, 'P', 'L', 'H', 7});
        byte[] corrupt = F.encode(KEY);
        corrupt[corrupt.length - 1] ^= 1;
        s.writeBytes(corrupt);
        s.writeBytes("noise PLH".getBytes());
        HeartbeatFrame second = new HeartbeatFrame(new HeartbeatFrame.Status(2, 1, 0, 0, false, false), "pf1", F.incarnation(), 43, 0, 100, 500);
        s.writeBytes(second.encode(KEY));
        ByteArrayInputStream in = new ByteArrayInputStream(s.toByteArray());
        HeartbeatFrame.Read r1 = HeartbeatFrame.read(in, KEY, 4096);
        assertNull(r1.frame());
        assertTrue(r1.rejected().contains("HMAC"), r1.rejected());
        HeartbeatFrame.Read r2 = HeartbeatFrame.read(in, KEY, 4096);
        assertNotNull(r2.frame());
        assertEquals(43, r2.frame().seqno());
        assertThrows(EOFException.class, () -> HeartbeatFrame.read(in, KEY, 4096));
    }

    @Test
    void onlyFreshFramesAcrossLinksKeepThePeerAliveAndOlderIncarnationsAreRefused() {
        PeerWatch w = new PeerWatch("pf1", "pf2", new PeerTracker(300, 500, 2000, 100, 0, java.util.List.of("a", "b")));
        java.util.function.BiFunction<Long, Long, HeartbeatFrame> f = (inc, seq) -> new HeartbeatFrame(
                HeartbeatFrame.Status.UNKNOWN, "pf2", inc, seq, 0, 100, 500);
        assertEquals(PeerWatch.Verdict.FRESH, w.accept("a", f.apply(10L, 1L), 1).verdict());
        assertEquals(PeerWatch.Verdict.COPY, w.accept("b", f.apply(10L, 1L), 1).verdict(), "the same frame on link b");
        assertEquals(PeerWatch.Verdict.REPLAYED, w.accept("a", f.apply(10L, 1L), 2).verdict());
        assertEquals(PeerWatch.Verdict.FRESH, w.accept("a", f.apply(10L, 2L), 2).verdict());
        assertEquals(PeerWatch.Verdict.REPLAYED, w.accept("a", f.apply(10L, 1L), 3).verdict());
        assertEquals(PeerWatch.Verdict.OLD_INCARNATION, w.accept("a", f.apply(9L, 100L), 3).verdict());
        assertEquals(PeerWatch.Verdict.FRESH, w.accept("b", f.apply(11L, 1L), 4).verdict(), "a restart: a new window");
        assertEquals(PeerWatch.Verdict.FOREIGN, w.accept("a", new HeartbeatFrame(HeartbeatFrame.Status.UNKNOWN, "pf3",
                11, 9, 0, 100, 500), 5).verdict());
        assertEquals(PeerWatch.Verdict.OWN, w.accept("a", new HeartbeatFrame(HeartbeatFrame.Status.UNKNOWN, "pf1",
                11, 9, 0, 100, 500), 5).verdict());
        assertEquals(PeerWatch.Verdict.REPLAYED, w.accept("a", f.apply(11L, 1L - PeerWatch.COPY_WINDOW), 6).verdict());
    }
}
