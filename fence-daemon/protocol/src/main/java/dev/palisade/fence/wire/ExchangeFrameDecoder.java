package dev.palisade.fence.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts a fence_virt stream into the fixed-size frames of its exchange (docs/fence-virt-wire.md): on the
 * gateway's side the 176-byte {@code fence_req_t}, then the challenge/response steps (64 bytes each in the
 * stock protocol, 32 in the hardened one); on the client's side the steps coming the other way. The frame
 * lengths are not on the wire: the conversation says how many bytes it wants next ({@link Sizes}), and is
 * asked again after each frame it handled. While it wants nothing (the gateway is working on the answer),
 * anything the peer still sends is discarded, so a client cannot make the gateway buffer without bound.
 *
 * <p>Frames are emitted as byte arrays: every frame is small, and the steps work on arrays.
 */
public final class ExchangeFrameDecoder extends ByteToMessageDecoder {
    /** The largest frame the exchange has: the request. */
    public static final int MAX_FRAME = FenceRequest.SIZE;

    /** What the conversation expects next. */
    @FunctionalInterface
    public interface Sizes {
        /** Bytes of the next frame (1..{@link #MAX_FRAME}), or 0 when nothing is expected now. */
        int want();
    }

    private final Sizes sizes;

    public ExchangeFrameDecoder(Sizes sizes) {
        this.sizes = sizes;
    }

    /** Bytes received towards the next frame, for the log when a deadline passes. */
    public int buffered() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int want = sizes.want();
        if (want <= 0) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (want > MAX_FRAME) {
            throw new IllegalStateException("a frame of " + want + " bytes is not part of the exchange");
        }
        if (in.readableBytes() < want) {
            return;
        }
        byte[] frame = new byte[want];
        in.readBytes(frame);
        out.add(frame);
    }
}
