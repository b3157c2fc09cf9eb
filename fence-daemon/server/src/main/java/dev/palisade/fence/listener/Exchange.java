package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.config.Addresses;
import dev.palisade.fence.auth.ServerHandshake;
import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.runner.Outcome;
import dev.palisade.fence.runner.RequestRunner;
import dev.palisade.fence.wire.ExchangeFrameDecoder;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostListReply;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The gateway's side of one fence_virt conversation on a stream (a TCP connection, or the connection the
 * gateway made back to a multicast client), as fence_virtd runs it: read the 176-byte request within
 * {@link #REQUEST_READ_TIMEOUT} and admit it ({@link RequestGate}), answer the client's challenge and
 * challenge back, each step within {@link #STEP_TIMEOUT}, run the operation on the request runner, and send
 * the result byte or the host list (sealed in the hardened scheme) within {@link #STEP_TIMEOUT}; then close.
 * Every wait is a deadline on the event loop, so a slow or silent client costs a file descriptor and never a
 * thread. Nothing here blocks: the hypervisor call runs on a request worker.
 *
 * <p>A read-only request (status, list, monitor) whose signature verified is started on its worker at once,
 * while the challenge/response goes back and forth; its answer is released only to a client that proves the
 * key, and only if the call began less than {@link #EARLY_CALL_WINDOW} before that (else it runs again, so an
 * answer is never older than the exchange that asked for it). Power actions start only after the proof.
 */
final class Exchange extends ChannelInboundHandlerAdapter implements ExchangeFrameDecoder.Sizes {
    /** fence_virtd reads the request within 1 s of accepting, then closes. */
    static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(1);
    /** fence_virtd gives each challenge/response step 10 s; the answer gets as long to be taken. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
    /** How old a read-only answer started during the exchange may be when it is released. */
    static final Duration EARLY_CALL_WINDOW = Duration.ofMillis(100);
    private static final boolean EARLY_CALLS = Boolean.parseBoolean(System.getProperty("palisade.fence.earlyCalls",
            "true"));

    private enum State { REQUEST, HANDSHAKE, WORKING, ANSWERING, DONE }

    private final RequestGate gate;
    private final AccessMap scope;
    private final GatewayRuntime rt;
    /** For a conversation inside a lasting stream (a VM's serial line): what to do instead of closing. */
    private final Runnable done;
    private ExchangeFrameDecoder decoder;
    private String from;
    private FenceRequest req;
    private ServerHandshake hs;
    private State state;
    /** The current step's deadline (nanoTime), or 0 while none runs (the request runner keeps the call's). */
    private long due;
    /** One timer per connection, scheduled again only when it fires before a later deadline. */
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long started;
    /** The operation's call, once started (during the challenge/response for a read-only request). */
    private RequestRunner.Ticket ticket;
    private long callStarted;

    /**
     * {@code from}: the caller's identity when the listener knows it already (a multicast call-back), else
     * null (the peer's address); {@code admitted}: the request when it came another way (multicast), else null.
     */
    Exchange(RequestGate gate, AccessMap scope, GatewayRuntime rt, String from, FenceRequest admitted) {
        this(gate, scope, rt, from, admitted, null);
    }

    /**
     * A conversation on a stream that outlives it (a VM's serial line, whose own decoder hands this exchange
     * its steps): it starts when added to the pipeline, and at its end it removes itself and runs
     * {@code done} instead of closing the stream. A deadline that passes still closes the stream.
     */
    Exchange(RequestGate gate, AccessMap scope, GatewayRuntime rt, String from, FenceRequest admitted, Runnable done) {
        this.gate = gate;
        this.scope = scope;
        this.rt = rt;
        this.from = from;
        this.req = admitted;
        this.done = done;
        this.state = admitted == null ? State.REQUEST : State.HANDSHAKE;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (done != null && ctx.channel().isActive()) {
            started = System.nanoTime();
            begin(ctx);
        }
    }

    void install(ChannelPipeline p) {
        decoder = new ExchangeFrameDecoder(this);
        p.addLast(decoder);
        p.addLast(this);
    }

    @Override
    public int want() {
        return switch (state) {
            case REQUEST -> FenceRequest.SIZE;
            case HANDSHAKE -> hs.want();
            default -> 0;
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (from == null) {
            from = Addresses.text(ctx.channel().remoteAddress());
        }
        started = System.nanoTime();
        if (req == null) {
            arm(ctx, REQUEST_READ_TIMEOUT);
        } else {
            begin(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof byte[] frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.REQUEST) {
            req = gate.admit(frame, from);
            if (req == null) {
                finish(ctx);
                return;
            }
            state = State.HANDSHAKE;
            begin(ctx);
            return;
        }
        byte[] reply = hs.take(frame);
        if (reply == null) {
            gate.challengeFailed(from, hs.failure(), req);
            finish(ctx);
            return;
        }
        if (reply.length > 0) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply));
        }
        if (hs.authenticated()) {
            authenticated(ctx);
        } else {
            arm(ctx, STEP_TIMEOUT);
        }
    }

    /** The request is admitted: the challenge/response starts, and a read-only call with it. */
    private void begin(ChannelHandlerContext ctx) {
        hs = new ServerHandshake(req, gate.credentials());
        if (EARLY_CALLS && readOnly(req) && req.hashTypeByte() != HashType.NONE.code()) {
            call(ctx);
        }
        if (hs.authenticated()) {
            authenticated(ctx);
        } else {
            arm(ctx, STEP_TIMEOUT);
        }
    }

    private static boolean readOnly(FenceRequest r) {
        RequestCode c = r.request();
        return c == RequestCode.STATUS || c == RequestCode.HOSTLIST || c == RequestCode.DEVSTATUS;
    }

    /** The client proved the key: the answer may go out once there is one. */
    private void authenticated(ChannelHandlerContext ctx) {
        state = State.WORKING;
        disarm();
        if (ticket != null && System.nanoTime() - callStarted > EARLY_CALL_WINDOW.toNanos()) {
            // started too long ago to answer with: ask again
            ticket.release();
            ticket = null;
        }
        if (ticket == null) {
            call(ctx);
        }
        if (ticket != null) {
            ticket.onDone(o -> {
                if (state == State.WORKING) {
                    answer(ctx, o);
                }
            });
        }
    }

    /** Starts the operation on the request runner (an unknown request code is answered FAIL at once). */
    private void call(ChannelHandlerContext ctx) {
        RequestCode code = req.request();
        callStarted = System.nanoTime();
        if (code == null) {
            AnswerLog.unknownCode(gate.listener(), from, req);
            if (state == State.WORKING) {
                answer(ctx, Outcome.FAIL);
            }
            return;
        }
        Supplier<String> where = () -> gate.listener() + " " + from;
        ticket = rt.runner().submit(() -> where.get() + ": " + code.action() + " of '" + req.domain() + "'",
                () -> rt.operation().run(where, req, from, scope), ctx.executor());
    }

    /** Sends the answer, then closes once the client has taken it (or at the deadline). */
    private void answer(ChannelHandlerContext ctx, Outcome o) {
        state = State.ANSWERING;
        arm(ctx, STEP_TIMEOUT);
        ResponseCode code = hs.hardened() ? o.code() : o.code().onStockWire(req.request());
        // counted before the answer leaves, so a client that has its answer finds it counted
        rt.metrics().answered(gate.listener(), from, req, o.code(), o.refusal(), started);
        String detail = "";
        if (req.request() == RequestCode.HOSTLIST && code == ResponseCode.SUCCESS) {
            detail = " (" + o.hosts().size() + " domains)";
            ctx.pipeline().addFirst(new ChunkedWriteHandler());
            ctx.writeAndFlush(new HostListReply(o.hosts(), hs.seal())).addListener(sent(ctx));
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(hs.sealed(code.code()))).addListener(sent(ctx));
        }
        AnswerLog.answered(gate.listener(), from, req, code, detail, started);
    }

    private ChannelFutureListener sent(ChannelHandlerContext ctx) {
        return f -> finish(ctx);
    }

    private void arm(ChannelHandlerContext ctx, Duration d) {
        due = System.nanoTime() + d.toNanos();
        if (timer == null || due - timerAt < 0) {
            schedule(ctx, d.toNanos());
        }
    }

    private void schedule(ChannelHandlerContext ctx, long inNanos) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = System.nanoTime() + inNanos;
        timer = ctx.executor().schedule(() -> check(ctx), inNanos, TimeUnit.NANOSECONDS);
    }

    /** The timer fired: the step's deadline has passed, or a later one was set meanwhile. */
    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (state == State.DONE || due == 0) {
            return;
        }
        long left = due - System.nanoTime();
        if (left > 0) {
            schedule(ctx, left);
        } else {
            expired(ctx);
        }
    }

    private void disarm() {
        due = 0;
    }

    private void stopTimer() {
        due = 0;
        if (ticket != null) {
            ticket.release();
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired(ChannelHandlerContext ctx) {
        String why = state == State.ANSWERING ? "deadline passed before the client took the answer"
                : "deadline passed after " + (decoder == null ? "some" : String.valueOf(decoder.buffered())) + " of "
                + want() + " bytes";
        Logger.warn("{} {}: connection dropped: {}", gate.listener(), from, why);
        rt.metrics().rejected(gate.listener(), Rejection.CLIENT_TIMEOUT);
        state = State.DONE;
        stopTimer();
        ctx.close();
    }

    /** The conversation is over: the connection closes, or a lasting stream goes back to its own framing. */
    private void finish(ChannelHandlerContext ctx) {
        state = State.DONE;
        stopTimer();
        if (done == null) {
            ctx.close();
        } else if (ctx.channel().isActive()) {
            ctx.pipeline().remove(this);
            done.run();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.REQUEST && decoder.buffered() > 0) {
            Logger.warn("{} {}: connection dropped: peer closed after {} of {} bytes", gate.listener(), from,
                    decoder.buffered(), FenceRequest.SIZE);
        } else if (state != State.DONE && state != State.ANSWERING && req != null) {
            Logger.warn("{} {}: connection dropped: the client left during the {}", gate.listener(), from,
                    state == State.HANDSHAKE ? "challenge/response" : "operation");
        }
        state = State.DONE;
        stopTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state != State.DONE) {
            Logger.warn("{} {}: connection dropped: {}", gate.listener(), from, cause.getMessage());
        }
        state = State.DONE;
        stopTimer();
        ctx.close();
    }
}
