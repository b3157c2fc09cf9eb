package dev.palisade.fence.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exchange's codecs on byte fixtures: the frame decoder on both sides of the conversation, the host-list
 * reply and the client's result decoder, with one test per kind of malformed input.
 */
class ExchangeCodecTest {

    /** Sizes asked one after the other, as a conversation asks them after each frame. */
    private static EmbeddedChannel frames(Deque<Integer> sizes) {
        return new EmbeddedChannel(new ExchangeFrameDecoder(() -> sizes.isEmpty() ? 0 : sizes.peekFirst()), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                sizes.pollFirst();
                ctx.fireChannelRead(msg);
            }
        });
    }

    @Test
    void aRequestAndTheChallengeBehindItInOneReadAreTwoFrames() {
        Deque<Integer> sizes = new ArrayDeque<>(List.of(176, 64));
        EmbeddedChannel ch = frames(sizes);
        byte[] in = new byte[240];
        in[0] = 4;
        in[176] = 9;
        ch.writeInbound(Unpooled.wrappedBuffer(in));
        byte[] request = ch.readInbound();
        byte[] challenge = ch.readInbound();
        assertEquals(176, request.length);
        assertEquals(4, request[0]);
        assertEquals(64, challenge.length);
        assertEquals(9, challenge[0]);
    }

    @Test
    void aFrameSplitOverManyReadsIsOneFrame() {
        EmbeddedChannel ch = frames(new ArrayDeque<>(List.of(176)));
        for (int i = 0; i < 176; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) i}));
            if (i < 175) {
                assertNull(ch.readInbound());
            }
        }
        byte[] frame = ch.readInbound();
        assertEquals(175, frame[175] & 0xff);
    }

    @Test
    void bytesNobodyAskedForAreDiscardedNotBuffered() {
        ExchangeFrameDecoder d = new ExchangeFrameDecoder(() -> 0);
        EmbeddedChannel ch = new EmbeddedChannel(d);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[100_000]));
        assertNull(ch.readInbound());
        assertEquals(0, d.buffered());
    }

    @Test
    void aFrameLargerThanTheExchangeHasIsAProgrammingError() {
        EmbeddedChannel ch = new EmbeddedChannel(new ExchangeFrameDecoder(() -> 177));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[200])));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    private static List<HostState> hosts(int n) {
        List<HostState> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new HostState("vm-" + i, String.format("%08d-0000-4000-8000-000000000000", i), i % 2 == 0 ? 1 : 5));
        }
        return out;
    }

    private static byte[] encode(HostListReply r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf c;
        while ((c = r.readChunk(UnpooledByteBufAllocator.DEFAULT)) != null) {
            byte[] b = new byte[c.readableBytes()];
            c.readBytes(b);
            out.writeBytes(b);
            c.release();
        }
        return out.toByteArray();
    }

    @Test
    void aHostListIsTheMarkerTheEntriesTheTerminatorAndTheResult() {
        byte[] wire = encode(new HostListReply(hosts(2), null));
        assertEquals(1 + 3 * HostState.SIZE + 1, wire.length);
        assertEquals(0xFD, wire[0] & 0xff);
        assertArrayEquals(hosts(2).get(0).encode(), java.util.Arrays.copyOfRange(wire, 1, 1 + HostState.SIZE));
        assertArrayEquals(HostState.TERMINATOR, java.util.Arrays.copyOfRange(wire, 1 + 2 * HostState.SIZE,
                1 + 3 * HostState.SIZE));
        assertEquals(0, wire[wire.length - 1]);
    }

    @Test
    void aLongListGoesOutInSlicesAndReadsBackWhole() {
        HostListReply r = new HostListReply(hosts(1000), null);
        int slices = 0;
        ByteBuf c;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((c = r.readChunk(UnpooledByteBufAllocator.DEFAULT)) != null) {
            slices++;
            byte[] b = new byte[c.readableBytes()];
            c.readBytes(b);
            out.writeBytes(b);
            c.release();
        }
        assertEquals((1000 + HostListReply.ENTRIES_PER_SLICE - 1) / HostListReply.ENTRIES_PER_SLICE, slices);
        assertEquals(r.length(), out.size());
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(out.toByteArray()));
        ResultDecoder.Reply reply = ch.readInbound();
        assertEquals(hosts(1000), reply.hosts());
        assertEquals(0, reply.code());
    }

    @Test
    void aSealedListVerifiesWithTheSameSealAndFailsWithAnother() {
        HardenedKeys k = HardenedKeys.derive(FenceKey.of("fixture key material\n".getBytes()));
        byte[] mac = new byte[32];
        byte[] cc = new byte[32];
        byte[] cs = new byte[32];
        byte[] wire = encode(new HostListReply(hosts(300), HardenedAuth.resultSeal(k, mac, cc, cs)));
        ResultSeal expected = HardenedAuth.resultSeal(k, mac, cc, cs);
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(expected));
        ch.writeInbound(Unpooled.wrappedBuffer(wire));
        ResultDecoder.Reply reply = ch.readInbound();
        assertArrayEquals(expected.finish(), reply.seal());
        cs[0] = 1;
        ResultSeal other = HardenedAuth.resultSeal(k, mac, cc, cs);
        EmbeddedChannel ch2 = new EmbeddedChannel(new ResultDecoder(other));
        ch2.writeInbound(Unpooled.wrappedBuffer(wire));
        ResultDecoder.Reply again = ch2.readInbound();
        assertEquals(false, java.util.Arrays.equals(other.finish(), again.seal()));
    }

    @Test
    void aSingleResultByteIsTheWholeStockAnswer() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {2}));
        ResultDecoder.Reply r = ch.readInbound();
        assertEquals(2, r.code());
        assertEquals(List.of(), r.hosts());
    }

    @Test
    void anUnknownResultByteIsPassedOnForTheCallerToReport() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF}));
        ResultDecoder.Reply r = ch.readInbound();
        assertEquals(255, r.code());
    }

    @Test
    void aTruncatedListGivesNoAnswer() {
        byte[] wire = encode(new HostListReply(hosts(3), null));
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 1 - HostState.SIZE / 2));
        assertNull(ch.readInbound(), "no answer until the list ends; the client's deadline or EOF ends the wait");
    }

    @Test
    void bytesAfterTheAnswerAreIgnored() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 7, 7, 7}));
        assertEquals(0, ((ResultDecoder.Reply) ch.readInbound()).code());
        assertNull(ch.readInbound());
    }

    @Test
    void aListLongerThanAnyHypervisorHoldsIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(null));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFD}));
        byte[] entry = new HostState("x", "y", 1).encode();
        ByteBuf many = Unpooled.buffer(HostState.SIZE * 1024);
        DecoderException e = null;
        for (int i = 0; i <= ResultDecoder.MAX_HOSTS / 1024 && e == null; i++) {
            many.clear();
            for (int j = 0; j < 1024; j++) {
                many.writeBytes(entry);
            }
            try {
                ch.writeInbound(many.retainedDuplicate());
            } catch (DecoderException thrown) {
                e = thrown;
            }
        }
        assertInstanceOf(CorruptedFrameException.class, e);
    }

    @Test
    void aHardenedAnswerWaitsForItsSeal() {
        HardenedKeys k = HardenedKeys.derive(FenceKey.of("fixture key material\n".getBytes()));
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(HardenedAuth.resultSeal(k, new byte[32],
                new byte[32], new byte[32])));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        assertNull(ch.readInbound(), "a result without its seal is no answer");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[ResultSeal.SIZE]));
        ResultDecoder.Reply r = ch.readInbound();
        assertEquals(0, r.code());
        assertEquals(ResultSeal.SIZE, r.seal().length);
    }
}
