package dev.palisade.fence.agent;

import dev.palisade.fence.auth.ClientHandshake;
import dev.palisade.fence.wire.ExchangeFrameDecoder;
import dev.palisade.fence.wire.ResultDecoder;
import dev.palisade.fence.wire.ResultSeal;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import java.io.EOFException;
import java.io.IOException;

/**
 * The client half of one fence_virt conversation on a Netty channel: send the request (over TCP) with our
 * challenge, check the gateway's answer to it, answer the gateway's challenge, then read the result
 * (sealed in the hardened scheme). The steps are {@link ClientHandshake}'s; this class only moves bytes.
 */
final class ClientConversation extends ChannelInboundHandlerAdapter implements ExchangeFrameDecoder.Sizes {
    /** Where the conversation's end goes: the answer, or why there is none. */
    interface Outcome {
        void answered(FenceVirtClient.Result result);

        /** The peer has answered our challenge correctly: it holds the key. */
        default void keyProved() {
        }

        /** {@code provedKey}: whether the peer had proved the key before it failed (it was the gateway). */
        void failed(Throwable cause, boolean provedKey);
    }

    private static final String STEPS = "steps";

    private final ClientHandshake hs;
    private final byte[] first;
    private final Outcome outcome;
    private ResultSeal seal;
    private boolean provedKey;
    private boolean over;

    /** {@code first}: the request, when this side sends it (TCP); empty on a call-back. */
    ClientConversation(ClientHandshake hs, byte[] first, Outcome outcome) {
        this.hs = hs;
        this.first = first;
        this.outcome = outcome;
    }

    void install(ChannelPipeline p) {
        p.addLast(STEPS, new ExchangeFrameDecoder(this));
        p.addLast(this);
    }

    @Override
    public int want() {
        return hs.want();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        byte[] opening = hs.opening();
        byte[] out = new byte[first.length + opening.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(opening, 0, out, first.length, opening.length);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(out));
        if (hs.want() == 0) {
            readResult(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof byte[] frame) {
                byte[] reply = hs.take(frame);
                // take() returns only once the peer's answer to our challenge has checked out
                if (!provedKey) {
                    provedKey = true;
                    outcome.keyProved();
                }
                if (reply.length > 0) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(reply));
                }
                if (hs.want() == 0) {
                    readResult(ctx);
                }
            } else if (msg instanceof ResultDecoder.Reply r) {
                ClientHandshake.checkSeal(seal, r.seal());
                end(ctx, null, new FenceVirtClient.Result(r.code(), r.hosts()));
            }
        } catch (IOException e) {
            end(ctx, e, null);
        }
    }

    /** The exchange is done: what follows is the result. */
    private void readResult(ChannelHandlerContext ctx) {
        seal = hs.expectedSeal();
        ctx.pipeline().replace(STEPS, "result", new ResultDecoder(seal));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        end(ctx, c instanceof IOException ? c : new IOException(c.getMessage(), c), null);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(ctx, new EOFException("the gateway closed the connection before answering"), null);
    }

    private void end(ChannelHandlerContext ctx, Throwable failure, FenceVirtClient.Result result) {
        if (over) {
            return;
        }
        over = true;
        ctx.close();
        if (failure == null) {
            outcome.answered(result);
        } else {
            outcome.failed(failure, provedKey);
        }
    }
}
