package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.ServerHandshake;
import dev.palisade.fence.runner.Outcome;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HostListReply;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;

/**
 * {@link Exchange}'s conversation on a blocking stream, for the transports Netty has no channel for (vsock)
 * and for hardened frames on a VM's serial line: the same steps, each under its own deadline, the same
 * request runner, the same answer. The connection's thread waits; it never runs the hypervisor call itself.
 */
final class StreamExchange {
    private StreamExchange() {
    }

    static void serve(RequestGate gate, AccessMap scope, GatewayRuntime rt, String from, FenceRequest req,
                      StreamSession s) throws IOException {
        long started = System.nanoTime();
        ServerHandshake hs = new ServerHandshake(req, gate.credentials());
        while (hs.want() > 0) {
            s.deadline(System.nanoTime() + Exchange.STEP_TIMEOUT.toNanos());
            byte[] reply = hs.take(s.readFully(hs.want()));
            if (reply == null) {
                gate.challengeFailed(from, hs.failure(), req);
                return;
            }
            if (reply.length > 0) {
                s.send(reply);
            }
        }
        RequestCode code = req.request();
        Outcome o;
        if (code == null) {
            AnswerLog.unknownCode(gate.listener(), from, req);
            o = Outcome.FAIL;
        } else {
            java.util.function.Supplier<String> where = () -> gate.listener() + " " + from;
            o = rt.runner().call(() -> where.get() + ": " + code.action() + " of '" + req.domain() + "'",
                    () -> rt.operation().run(where, req, from, scope));
        }
        ResponseCode r = hs.hardened() ? o.code() : o.code().onStockWire(code);
        rt.metrics().answered(gate.listener(), from, req, o.code(), o.refusal(), started);
        String detail = "";
        if (code == RequestCode.HOSTLIST && r == ResponseCode.SUCCESS) {
            detail = " (" + o.hosts().size() + " domains)";
            HostListReply reply = new HostListReply(o.hosts(), hs.seal());
            ByteBuf chunk;
            while ((chunk = reply.readChunk(UnpooledByteBufAllocator.DEFAULT)) != null) {
                try {
                    byte[] b = new byte[chunk.readableBytes()];
                    chunk.readBytes(b);
                    s.send(b);
                } finally {
                    chunk.release();
                }
            }
        } else {
            s.send(hs.sealed(r.code()));
        }
        AnswerLog.answered(gate.listener(), from, req, r, detail, started);
    }
}
