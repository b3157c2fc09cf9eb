package dev.palisade.drivers.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.tinylog.Logger;

/**
 * A small read-only HTTP/1.1 endpoint on Netty for what a daemon shows about itself: {@code /metrics} for
 * Prometheus, {@code /status} as JSON, a status page. One event-loop thread serves every connection; a page is
 * rendered on it from what the daemon has already published (a snapshot, counters), so a page must never block
 * and a scrape never waits for, or holds up, the daemon's own threads.
 *
 * <p>Limits (a monitoring endpoint must survive a broken or hostile client): GET and HEAD only (405 otherwise),
 * no request body, a request line of at most 1 KiB and headers of at most 8 KiB (400 beyond, then close), at
 * most {@value #MAX_CONNECTIONS} connections at once (more are closed at once), and a connection that sends
 * nothing for {@value #IDLE_SECONDS} s is closed. Responses are never cached and never sniffed.
 */
public final class StatusServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 32;
    static final int IDLE_SECONDS = 10;

    /** What a path answers; called on the server's event loop: it must return at once. */
    public interface Page {
        Response render();
    }

    /** A response: status code, content type, body, extra headers. */
    public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
        public static Response ok(String contentType, String body) {
            return new Response(200, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        public Response withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Response(status, contentType, body, h);
        }
    }

    private final EventLoopGroup group;
    private final Channel server;
    private final ListenAddress listen;
    private final AtomicInteger open = new AtomicInteger();

    private StatusServer(EventLoopGroup group, Channel server, ListenAddress listen) {
        this.group = group;
        this.server = server;
        this.listen = listen;
    }

    /**
     * Binds {@code listen} and serves {@code pages} (path to page) on one thread named {@code threadName};
     * {@code fatal} hears a thread that died (the daemon goes down: never half alive). A bind failure throws
     * and leaves nothing running.
     */
    public static StatusServer start(ListenAddress listen, Map<String, Page> pages, String threadName,
                                     BiConsumer<String, Throwable> fatal) throws IOException {
        Map<String, Page> routes = Map.copyOf(pages);
        EventLoopGroup group = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> fatal.accept(th.getName(), e));
            return t;
        });
        AtomicInteger open = new AtomicInteger();
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 16)
                    // unpooled: a pooled arena reserves megabytes for a handful of small responses
                    .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                                open.decrementAndGet();
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> open.decrementAndGet());
                            ch.pipeline()
                                    .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(1024, 8192, 8192))
                                    .addLast(new HttpServerKeepAliveHandler())
                                    .addLast(new HttpObjectAggregator(0))
                                    .addLast(new Handler(routes));
                        }
                    });
            Channel server = b.bind(listen.socketAddress()).syncUninterruptibly().channel();
            StatusServer s = new StatusServer(group, server, listen);
            Logger.info("http: serving {} on {}", routes.keySet().stream().sorted().toList(), s.address());
            return s;
        } catch (Exception e) {
            // Netty rethrows the bind's IOException (address in use, not an address of this host) undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
    }

    /** The bound address (the port, when 0 was asked for in tests). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public ListenAddress listen() {
        return listen;
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Map<String, Page> routes;

        Handler(Map<String, Page> routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.decoderResult().isSuccess()) {
                send(ctx, req, text(400, "bad request\n"), true);
                return;
            }
            HttpMethod m = req.method();
            if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
                send(ctx, req, text(405, "only GET and HEAD\n").withHeader("Allow", "GET, HEAD"), true);
                return;
            }
            if (req.content().isReadable()) {
                send(ctx, req, text(400, "a GET carries no body\n"), true);
                return;
            }
            String uri = req.uri();
            int q = uri.indexOf('?');
            String path = q < 0 ? uri : uri.substring(0, q);
            Page page = routes.get(path);
            if (page == null) {
                send(ctx, req, text(404, "not found; pages: " + routes.keySet().stream().sorted().toList() + "\n"),
                        false);
                return;
            }
            Response r;
            try {
                r = page.render();
            } catch (RuntimeException e) {
                Logger.error(e, "http: {} failed to render", path);
                r = text(500, "internal error: " + e + "\n");
            }
            send(ctx, req, r, false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a client that reset, or stayed silent past the idle deadline: only its connection ends
            Logger.debug("http: {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static Response text(int status, String body) {
        return new Response(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, Response r, boolean close) {
        boolean head = req.method().equals(HttpMethod.HEAD);
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body());
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        boolean keepAlive = !close && req.decoderResult().isSuccess() && HttpUtil.isKeepAlive(req);
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
