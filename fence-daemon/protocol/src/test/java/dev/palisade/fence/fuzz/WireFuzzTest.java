package dev.palisade.fence.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.auth.ReplayCache;
import dev.palisade.fence.wire.ExchangeFrameDecoder;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostListReply;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResultDecoder;
import dev.palisade.fence.wire.ResultSeal;
import dev.palisade.fence.wire.SerialFrame;
import dev.palisade.fence.wire.SerialFrameDecoder;
import dev.palisade.fence.wire.WireFormatException;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.Arrays;

/**
 * Jazzer fuzz tests of the protocol's decoders. {@code make test} replays the seeds under src/test/resources
 * in regression mode; {@code JAZZER_FUZZ=1} explores (see docs/testing.md). Each decoder may only answer with
 * its own checked exception: anything else is a bug.
 */
class WireFuzzTest {
    private static final FenceKey KEY = FenceKey.of("fuzz key\n".getBytes());
    private static final HardenedKeys HARDENED = HardenedKeys.derive(KEY);

    @FuzzTest(maxDuration = "30s")
    void fenceRequest(byte[] data) {
        try {
            FenceRequest r = FenceRequest.decode(data);
            // A decoded request must re-encode to the same bytes and verify without throwing.
            if (!Arrays.equals(data, r.encode())) {
                // fields the decoder normalises: bytes after the domain's NUL and beyond addrlen
                FenceRequest again = FenceRequest.decode(r.encode());
                if (!Arrays.equals(again.encode(), r.encode())) {
                    throw new AssertionError("encode/decode is not stable");
                }
            }
            for (HashType min : HashType.values()) {
                LegacyAuth.verify(r, min, KEY);
            }
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }

    /** Arbitrary bytes presented as a hardened request: every path of verify, never an exception. */
    @FuzzTest(maxDuration = "30s")
    void hardenedRequest(byte[] data) {
        if (data.length == FenceRequest.SIZE) {
            data[1] = (byte) HardenedAuth.HASH_TYPE;
        }
        try {
            FenceRequest r = FenceRequest.decode(data);
            HardenedAuth.verify(r, HARDENED, System.currentTimeMillis(), HardenedAuth.DEFAULT_SKEW,
                    new ReplayCache(1_000_000_000L, 16), System.nanoTime());
            HardenedAuth.verify(r, HARDENED, HardenedAuth.timestamp(r), HardenedAuth.DEFAULT_SKEW,
                    new ReplayCache(1_000_000_000L, 16), System.nanoTime());
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }

    /**
     * The gateway's serial framing, on any byte stream in any split: frames, noise reports and nothing else;
     * never an exception, and never more frames than bytes.
     */
    @FuzzTest(maxDuration = "30s")
    void serialFrames(FuzzedDataProvider data) {
        java.util.List<Object> frames = new java.util.ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new SerialFrameDecoder(() -> 0));
        int sent = 0;
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 600));
            sent += chunk.length;
            ch.writeInbound(Unpooled.wrappedBuffer(chunk));
            Object f;
            while ((f = ch.readInbound()) != null) {
                if (!(f instanceof SerialFrame.Frame)) {
                    throw new AssertionError("not a frame: " + f);
                }
                frames.add(f);
            }
        }
        if (frames.size() > sent) {
            throw new AssertionError("more frames than bytes");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void hostState(byte[] data) {
        try {
            HostState h = HostState.decode(data);
            HostState.decode(h.encode());
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }

    /**
     * The exchange's frame decoder under any size sequence and any split of the input: every frame has exactly
     * the size asked, and bytes are never lost or invented while frames are asked for.
     */
    @FuzzTest(maxDuration = "30s")
    void exchangeFrames(FuzzedDataProvider data) {
        int steps = data.consumeInt(0, 6);
        java.util.Deque<Integer> sizes = new java.util.ArrayDeque<>();
        for (int i = 0; i < steps; i++) {
            sizes.add(data.consumeInt(1, ExchangeFrameDecoder.MAX_FRAME));
        }
        int asked = sizes.stream().mapToInt(Integer::intValue).sum();
        java.util.List<byte[]> got = new java.util.ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ExchangeFrameDecoder(() -> sizes.isEmpty() ? 0 : sizes.peekFirst()),
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        byte[] frame = (byte[]) msg;
                        if (frame.length != sizes.pollFirst()) {
                            throw new AssertionError("a frame of the wrong size");
                        }
                        got.add(frame);
                    }
                });
        int sent = 0;
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 300));
            sent += chunk.length;
            ch.writeInbound(Unpooled.wrappedBuffer(chunk));
        }
        int framed = got.stream().mapToInt(b -> b.length).sum();
        if (framed > sent) {
            throw new AssertionError("more framed than sent");
        }
        if (sent >= asked && framed != asked) {
            throw new AssertionError("asked " + asked + ", sent " + sent + ", framed " + framed);
        }
    }

    /**
     * The client's result decoder on anything a gateway might send, in any split: one answer at most, with no
     * more than {@link ResultDecoder#MAX_HOSTS} hosts, or a corrupted-frame error; never anything else.
     */
    @FuzzTest(maxDuration = "30s")
    void resultDecoder(FuzzedDataProvider data) {
        boolean sealed = data.consumeBoolean();
        ResultSeal seal = sealed ? HardenedAuth.resultSeal(HARDENED, new byte[32], new byte[32], new byte[32]) : null;
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(seal));
        int replies = 0;
        try {
            while (data.remainingBytes() > 0) {
                ch.writeInbound(Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(1, 400))));
                Object r;
                while ((r = ch.readInbound()) != null) {
                    replies++;
                    if (((ResultDecoder.Reply) r).hosts().size() > ResultDecoder.MAX_HOSTS) {
                        throw new AssertionError("too many hosts");
                    }
                }
            }
        } catch (DecoderException e) {
            if (!(e instanceof CorruptedFrameException)) {
                throw e;
            }
        }
        if (replies > 1) {
            throw new AssertionError("more than one answer");
        }
    }

    /** Any host list, sealed or not, goes out as slices and reads back whole through the client's decoder. */
    @FuzzTest(maxDuration = "30s")
    void hostListRoundTrip(FuzzedDataProvider data) {
        boolean sealed = data.consumeBoolean();
        int n = data.consumeInt(0, 400);
        java.util.List<HostState> hosts = new java.util.ArrayList<>();
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            String name = data.consumeAsciiString(63).replace("\0", "");
            hosts.add(new HostState(name.isEmpty() ? "x" : name, "u" + i, data.consumeInt(0, 255)));
        }
        ResultSeal out = sealed ? HardenedAuth.resultSeal(HARDENED, new byte[32], new byte[32], new byte[32]) : null;
        ResultSeal in = sealed ? HardenedAuth.resultSeal(HARDENED, new byte[32], new byte[32], new byte[32]) : null;
        HostListReply reply = new HostListReply(hosts, out);
        EmbeddedChannel ch = new EmbeddedChannel(new ResultDecoder(in));
        io.netty.buffer.ByteBuf c;
        while ((c = reply.readChunk(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)) != null) {
            ch.writeInbound(c);
        }
        ResultDecoder.Reply r = ch.readInbound();
        if (r == null || !r.hosts().equals(hosts) || r.code() != 0) {
            throw new AssertionError("the list did not read back whole");
        }
        if (sealed && !Arrays.equals(in.finish(), r.seal())) {
            throw new AssertionError("the seal does not verify");
        }
    }
}
