package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.config.FenceDaemonConfig.SerialListenerConfig;
import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import dev.palisade.fence.wire.SerialFrame;
import dev.palisade.fence.wire.SerialFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * fence_virtd's serial and vmchannel listener: the gateway connects to the UNIX socket that each running
 * domain's {@code <serial>} (or {@code <channel>}) device binds on the host, and serves requests that
 * arrive on it in the "abba" framing, with the domain's UUID as the caller's identity. Domains are
 * followed by looking at the running set every {@link #RECONCILE_INTERVAL} (on the housekeeping thread: it
 * asks the hypervisor): a new domain's sockets are connected, a stopped one's closed, a socket that drops is
 * connected again. The sockets are Netty channels on the event loops; the requests run on the request runner.
 *
 * <p>The stock framing carries no authentication (the socket itself is the proof of identity); with a key
 * and {@code auth = "hardened"} or {@code "both"}, the hardened frame ({@code "abbh"} + a hardened request)
 * is served too, its conversation running on the same socket, and with {@code "hardened"} the stock frames
 * are refused.
 */
public final class SerialListener implements FenceListener {
    public static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(1);

    private final SerialListenerConfig config;
    private final Credentials credentials;
    private final RequestGate gate;
    private final GatewayRuntime rt;
    /** Who may fence whom through this listener. */
    private final AccessMap scope;
    private final DomainDirectory directory;
    private final RequestHistory history = new RequestHistory();
    private final FailureLog failures;
    private final Map<Path, Channel> links = new ConcurrentHashMap<>();
    private final String name;
    private volatile boolean closed;
    private ScheduledFuture<?> reconciler;

    public SerialListener(SerialListenerConfig config, Credentials credentials, AccessMap scope,
                          DomainDirectory directory, GatewayRuntime rt) {
        this.config = config;
        this.credentials = credentials;
        this.rt = rt;
        this.scope = scope;
        this.directory = directory;
        this.name = config.mode() == SerialListenerConfig.Mode.SERIAL ? "serial" : "vmchannel";
        this.gate = credentials == null ? null : new RequestGate(name, credentials, rt.metrics());
        this.failures = new FailureLog(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return name + " (sockets of running domains" + (config.path() == null ? "" : " in " + config.path())
                + "; " + (credentials == null ? "stock frames, no key" : credentials.describe()) + ")";
    }

    @Override
    public void start(Consumer<Throwable> down) {
        closed = false;
        reconcile();
        reconciler = rt.housekeeping().scheduleWithFixedDelay(this::reconcile, RECONCILE_INTERVAL.toMillis(),
                RECONCILE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Domain sockets connected right now (for status output and tests). */
    public int connected() {
        return links.size();
    }

    private synchronized void reconcile() {
        if (closed) {
            return;
        }
        List<DomainDirectory.RunningDomain> running;
        try {
            running = directory.running();
        } catch (BackendException e) {
            Logger.warn("{}: cannot list running domains: {}", name, e.getMessage());
            return;
        }
        Set<Path> wanted = new HashSet<>();
        for (DomainDirectory.RunningDomain d : running) {
            List<Path> paths;
            try {
                paths = DomainSockets.find(d.xml(), config.mode(), config.path());
            } catch (IOException e) {
                Logger.warn("{}: domain {}: {}", name, d.name(), e.getMessage());
                continue;
            }
            for (Path p : paths) {
                wanted.add(p);
                if (!links.containsKey(p)) {
                    connect(p, d);
                }
            }
        }
        for (Map.Entry<Path, Channel> e : links.entrySet()) {
            if (!wanted.contains(e.getKey())) {
                Logger.info("{}: the domain of {} stopped or lost the socket; disconnected", name, e.getKey());
                links.remove(e.getKey());
                e.getValue().close();
            }
        }
    }

    private void connect(Path path, DomainDirectory.RunningDomain d) {
        Link link = new Link(path, d.uuid(), d.name());
        Bootstrap b = new Bootstrap().group(rt.loops()).channel(Transport.get().domainSocketChannel())
                .option(ChannelOption.ALLOCATOR, Buffers.allocator())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SerialFrameDecoder(link), link);
                    }
                });
        Channel ch = b.connect(Transport.get().domainSocketAddress(path)).addListener(f -> {
            if (f.isSuccess()) {
                Logger.info("{}: connected to {} of domain {} ({})", name, path, d.name(), d.uuid());
            } else {
                links.remove(path);
                Logger.debug("{}: cannot connect to {} of domain {} yet: {}", name, path, d.name(),
                        f.cause().getMessage());
            }
        }).channel();
        links.put(path, ch);
        ch.closeFuture().addListener(f -> links.remove(path, ch));
    }

    /**
     * One connected domain socket: stock requests are answered in serial frames, one at a time (the socket
     * is not read while one runs); a hardened frame starts an {@link Exchange} on the socket, which the decoder
     * feeds its steps until the answer is out.
     */
    private final class Link extends ChannelInboundHandlerAdapter implements
            dev.palisade.fence.wire.ExchangeFrameDecoder.Sizes {
        final Path path;
        final String uuid;
        final String domain;
        /** The hardened conversation in progress, if any. */
        Exchange exchange;

        Link(Path path, String uuid, String domain) {
            this.path = path;
            this.uuid = uuid;
            this.domain = domain;
        }

        @Override
        public int want() {
            return exchange == null ? 0 : exchange.want();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof byte[]) {
                // a step of the hardened conversation
                ctx.fireChannelRead(msg);
                return;
            }
            SerialFrame.Frame f = (SerialFrame.Frame) msg;
            if (f.malformed() != null) {
                rt.metrics().rejected(name, Rejection.MALFORMED);
            }
            if ((f.skipped() > 0 || f.malformed() != null) && failures.failed(uuid)) {
                Logger.warn("{} {}: {}", name, domain, f.malformed() != null ? "malformed frame dropped: "
                        + f.malformed() : "skipped " + f.skipped() + " bytes of noise before a frame");
            }
            if (f.legacy() != null) {
                stock(ctx, f.legacy());
            } else if (f.hardened() != null) {
                hardened(ctx, f.hardened());
            }
        }

        private void stock(ChannelHandlerContext ctx, SerialFrame.Request r) {
            if (credentials != null && !credentials.policy().acceptsLegacy()) {
                rt.metrics().rejected(name, Rejection.AUTH);
                if (failures.failed(uuid)) {
                    Logger.warn("{} {}: stock (unauthenticated) request refused: this listener requires hardened "
                            + "auth ({} '{}')", name, domain, actionName(r.request()), r.domain());
                }
                return;
            }
            if (!history.claim(r.request(), r.seqno(), r.domain())) {
                rt.metrics().rejected(name, Rejection.DUPLICATE);
                Logger.debug("{} {}: duplicate of a request handled in the last 10 s dropped", name, domain);
                return;
            }
            RequestCode code = r.code();
            FenceRequest req = FenceRequest.builder().requestByte(r.request()).domain(r.domain()).seqno(r.seqno())
                    .build();
            if (code == null) {
                Logger.warn("{} {}: unknown request code {}; answering FAIL", name, domain, r.request());
                rt.metrics().answered(name, uuid, req, ResponseCode.FAIL, null, System.nanoTime());
                ctx.writeAndFlush(Unpooled.wrappedBuffer(SerialFrame.response(ResponseCode.FAIL.code())));
                return;
            }
            long started = System.nanoTime();
            java.util.function.Supplier<String> where = () -> name + " " + uuid;
            // one request at a time per socket: nothing more is read until this one is answered
            ctx.channel().config().setAutoRead(false);
            rt.runner().submit(() -> where.get() + ": " + code.action() + " of '" + r.domain() + "'",
                    () -> rt.operation().run(where, req, uuid, scope), ctx.executor()).onDone(o -> {
                        ResponseCode rc = o.code().onStockWire(code);
                        rt.metrics().answered(name, uuid, req, o.code(), o.refusal(), started);
                        if (code == RequestCode.HOSTLIST && rc == ResponseCode.SUCCESS) {
                            ByteBuf list = ctx.alloc().buffer();
                            list.writeBytes(SerialFrame.response(ResponseCode.HOSTLIST.code()));
                            for (HostState h : o.hosts()) {
                                h.encodeTo(list);
                            }
                            list.writeZero(HostState.SIZE);
                            list.writeBytes(SerialFrame.response(ResponseCode.SUCCESS.code()));
                            ctx.writeAndFlush(list);
                        } else {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(SerialFrame.response(rc.code())));
                        }
                        AnswerLog.answered(name, uuid, req, rc, code == RequestCode.HOSTLIST
                                ? " (" + o.hosts().size() + " domains)" : "", started, "stock frame");
                        ctx.channel().config().setAutoRead(true);
                    });
        }

        private void hardened(ChannelHandlerContext ctx, byte[] request) {
            if (gate == null) {
                rt.metrics().rejected(name, Rejection.AUTH);
                if (failures.failed(uuid)) {
                    Logger.warn("{} {}: hardened request dropped: no key_file configured for this listener", name,
                            domain);
                }
                return;
            }
            FenceRequest req = gate.admit(request, uuid);
            if (req == null) {
                return;
            }
            // The conversation runs on the domain's socket; a deadline that passes closes only this VM's link,
            // which the next reconcile connects again.
            exchange = new Exchange(gate, scope, rt, uuid, req, () -> exchange = null);
            ctx.pipeline().addLast(exchange);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed) {
                Logger.info("{}: {} of domain {} closed", name, path, domain);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closed) {
                Logger.warn("{}: {} of domain {}: {}", name, path, domain, cause.getMessage());
            }
            ctx.close();
        }
    }

    private static String actionName(int request) {
        RequestCode c = RequestCode.fromCode(request);
        return c == null ? "request " + request : c.action();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (reconciler != null) {
            reconciler.cancel(false);
        }
        for (Channel c : links.values()) {
            c.close();
        }
        links.clear();
    }
}
