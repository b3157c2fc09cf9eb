package dev.palisade.fence.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gateway's serial framing on byte fixtures, one test per kind of input a VM's line can carry. */
class SerialFrameDecoderTest {
    private static final byte[] STATUS = SerialFrame.encodeRequest(RequestCode.STATUS, 0, "appliance-b", 77);

    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new SerialFrameDecoder(() -> 0));
    }

    @Test
    void aStockRequestIsOneFrame() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(STATUS));
        SerialFrame.Frame f = ch.readInbound();
        assertEquals("appliance-b", f.legacy().domain());
        assertEquals(RequestCode.STATUS, f.legacy().code());
        assertEquals(77, f.legacy().seqno());
        assertEquals(0, f.skipped());
    }

    @Test
    void noiseBeforeAFrameIsCountedAndSkipped() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer("login: root\r\n".getBytes()), Unpooled.wrappedBuffer(STATUS));
        SerialFrame.Frame f = ch.readInbound();
        assertEquals(13, f.skipped());
        assertEquals("appliance-b", f.legacy().domain());
    }

    @Test
    void aFrameSplitAcrossReadsAndAMagicSplitAcrossReadsAreFound() {
        EmbeddedChannel ch = decoder();
        for (byte b : STATUS) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        SerialFrame.Frame f = ch.readInbound();
        assertEquals("appliance-b", f.legacy().domain());
    }

    @Test
    void onlyNoiseIsReportedEveryFourKibibytes() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[SerialFrameDecoder.MAX_NOISE + 10]));
        SerialFrame.Frame f = ch.readInbound();
        assertTrue(f.malformed().startsWith("no frame magic in "), f.malformed());
        assertNull(ch.readInbound());
    }

    @Test
    void aStockRequestWhoseDomainHasNoNulIsReportedMalformed() {
        byte[] bad = STATUS.clone();
        java.util.Arrays.fill(bad, 6, 70, (byte) 'x');
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(bad));
        SerialFrame.Frame f = ch.readInbound();
        assertEquals("domain field is not NUL-terminated within 64 bytes", f.malformed());
    }

    @Test
    void aStockRequestWhoseDomainIsNotUtf8IsReportedMalformed() {
        byte[] bad = STATUS.clone();
        bad[6] = (byte) 0xC3;
        bad[7] = (byte) 0x28;
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(bad));
        SerialFrame.Frame f = ch.readInbound();
        assertEquals("domain field is not UTF-8", f.malformed());
    }

    @Test
    void aHardenedFrameCarriesTheWholeRequestAndThenTheStepsComeRaw() {
        AtomicInteger want = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new SerialFrameDecoder(want::get));
        byte[] req = new byte[FenceRequest.SIZE];
        req[0] = 4;
        byte[] frame = new byte[4 + req.length + 32];
        System.arraycopy(SerialFrame.hardenedPrefix(), 0, frame, 0, 4);
        System.arraycopy(req, 0, frame, 4, req.length);
        frame[frame.length - 32] = 9;
        ch.writeInbound(Unpooled.wrappedBuffer(frame, 0, 4 + req.length));
        SerialFrame.Frame f = ch.readInbound();
        assertArrayEquals(req, f.hardened());
        want.set(32);
        ch.writeInbound(Unpooled.wrappedBuffer(frame, 4 + req.length, 32));
        byte[] step = ch.readInbound();
        assertEquals(9, step[0]);
    }

    @Test
    void aTruncatedFrameWaitsForTheRest() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(STATUS, 0, 40));
        assertNull(ch.readInbound());
    }
}
