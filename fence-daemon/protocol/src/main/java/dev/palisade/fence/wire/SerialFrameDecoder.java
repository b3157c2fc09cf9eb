package dev.palisade.fence.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * The gateway's reading of a VM's serial or vmchannel stream ({@link SerialFrame}): frames found by their magic,
 * with the noise before them counted and skipped, so garbage on the line costs nothing but the garbage. Emits
 * a {@link SerialFrame.Frame} per frame: a stock request, a hardened request (176 bytes after {@code "abbh"}),
 * or a report ({@code malformed}) for a stock request that does not decode or for {@link #MAX_NOISE} bytes
 * without a magic. While a hardened conversation runs on the stream its steps are not framed: {@code steps}
 * says how many raw bytes the conversation wants next, and those are emitted as a byte array instead.
 */
public final class SerialFrameDecoder extends ByteToMessageDecoder {
    /** Noise after which the decoder reports and goes on looking. */
    public static final int MAX_NOISE = 4096;
    private static final int MAGIC_SIZE = 4;

    private final ExchangeFrameDecoder.Sizes steps;
    private int skipped;

    /** {@code steps}: the hardened conversation in progress on this stream (0 when there is none). */
    public SerialFrameDecoder(ExchangeFrameDecoder.Sizes steps) {
        this.steps = steps;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int want = steps.want();
        if (want > 0) {
            if (want > ExchangeFrameDecoder.MAX_FRAME) {
                throw new IllegalStateException("a step of " + want + " bytes is not part of the exchange");
            }
            if (in.readableBytes() >= want) {
                byte[] step = new byte[want];
                in.readBytes(step);
                out.add(step);
            }
            return;
        }
        int magic = -1;
        int at = in.readerIndex();
        int end = in.writerIndex() - MAGIC_SIZE;
        for (; at <= end; at++) {
            int v = in.getIntLE(at);
            if (v == SerialFrame.MAGIC || v == SerialFrame.HARDENED_MAGIC) {
                magic = v;
                break;
            }
        }
        int noise = (magic < 0 ? Math.max(in.readerIndex(), end + 1) : at) - in.readerIndex();
        in.skipBytes(noise);
        skipped += noise;
        if (magic < 0) {
            if (skipped >= MAX_NOISE) {
                out.add(new SerialFrame.Frame(null, null, "no frame magic in " + skipped + " bytes of noise", skipped));
                skipped = 0;
            }
            return;
        }
        int size = magic == SerialFrame.MAGIC ? SerialFrame.REQUEST_SIZE : MAGIC_SIZE + FenceRequest.SIZE;
        if (in.readableBytes() < size) {
            return;
        }
        in.skipBytes(MAGIC_SIZE);
        byte[] body = new byte[size - MAGIC_SIZE];
        in.readBytes(body);
        int noiseBefore = skipped;
        skipped = 0;
        if (magic == SerialFrame.HARDENED_MAGIC) {
            out.add(new SerialFrame.Frame(null, body, null, noiseBefore));
            return;
        }
        try {
            out.add(new SerialFrame.Frame(SerialFrame.decodeBody(body), null, null, noiseBefore));
        } catch (WireFormatException e) {
            out.add(new SerialFrame.Frame(null, null, e.getMessage(), noiseBefore));
        }
    }
}
