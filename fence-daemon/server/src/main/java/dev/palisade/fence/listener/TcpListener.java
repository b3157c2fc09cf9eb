package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.config.Addresses;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * fence_virtd's TCP listener ({@code fence_virt -T}) on Netty. With the native transport every event loop
 * has its own socket on the port (SO_REUSEPORT: the kernel spreads connections over them, and a connection
 * lives on the loop that accepted it); with NIO one socket serves them all. Each connection runs an
 * {@link Exchange}. At most {@link #MAX_CONNECTIONS} are open at once; past that, accepting pauses and new
 * connections wait in the kernel's backlog. A socket that fails (destroyed under the gateway, or any accept
 * error but running out of file descriptors) takes the listener down, and the daemon re-opens it.
 */
public final class TcpListener implements FenceListener {
    /** Open connections per listener; past it, new ones wait in the kernel's backlog. */
    public static final int MAX_CONNECTIONS = 1024;
    private static final int BACKLOG = 128;

    private final TcpListenerConfig config;
    private final RequestGate gate;
    private final AccessMap scope;
    private final GatewayRuntime rt;
    private final String name;
    private final List<Channel> sockets = new CopyOnWriteArrayList<>();
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile boolean closing;
    private volatile Consumer<Throwable> down;
    private final AtomicBoolean reported = new AtomicBoolean();
    private volatile long warnedFullAt;

    public TcpListener(TcpListenerConfig config, Credentials credentials, AccessMap scope, GatewayRuntime rt) {
        this.config = config;
        this.scope = scope;
        this.rt = rt;
        this.name = "tcp " + Addresses.text(config.address()) + ":" + config.port();
        this.gate = new RequestGate(name, credentials, rt.metrics());
    }

    public RequestGate gate() {
        return gate;
    }

    /** Connections open now. */
    public int connections() {
        return open.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return name + " (" + gate.credentials().describe() + ")";
    }

    @Override
    public void start(Consumer<Throwable> down) throws IOException {
        this.down = down;
        this.closing = false;
        this.reported.set(false);
        InetSocketAddress at = claimable(new InetSocketAddress(config.address(), config.port()));
        try {
            if (Transport.get().sharesPorts()) {
                for (EventExecutor e : rt.loops()) {
                    bind((EventLoop) e, at);
                }
            } else {
                bind(rt.loops().next(), at);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A plain bind first: if anything listens on the port (another gateway, fence_virtd), fail loudly here
     * instead of sharing it through SO_REUSEPORT. The probe is a socket that is bound and never listens (and
     * takes SO_REUSEADDR, as a listener does, so that connections left in TIME_WAIT by a gateway that just
     * stopped do not count): a listening probe was briefly a listener that nobody served, so a client that
     * connected in that moment was reset, and a check that the port listens passed before the gateway did.
     * Returns the address to bind, with the port the kernel chose when the configuration says 0.
     */
    static InetSocketAddress claimable(InetSocketAddress at) throws IOException {
        try (Socket probe = new Socket()) {
            probe.setReuseAddress(true);
            probe.bind(at);
            return at.getPort() == 0 ? new InetSocketAddress(at.getAddress(), probe.getLocalPort()) : at;
        }
    }

    private void bind(EventLoop loop, InetSocketAddress at) throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(loop, loop).channel(Transport.get().serverSocketChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .option(ChannelOption.ALLOCATOR, Buffers.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.allocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(Buffers.WRITE_LOW_WATER, Buffers.WRITE_HIGH_WATER))
                .handler(new SocketWatch())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counted);
                        new Exchange(gate, scope, rt, null, null).install(ch.pipeline());
                    }
                });
        Transport.get().sharePort(b);
        Channel ch;
        try {
            ch = b.bind(at).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + name);
        } catch (Exception e) {
            throw new IOException("cannot listen on " + Addresses.text(at.getAddress()) + ":" + at.getPort() + ": "
                    + e.getMessage(), e);
        }
        sockets.add(ch);
        ch.closeFuture().addListener(f -> failed(new IOException("its socket on loop " + loop + " closed")));
    }

    /** The listening socket's own events: accept errors. */
    private final class SocketWatch extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (closing) {
                return;
            }
            if (String.valueOf(cause.getMessage()).contains("Too many open files")) {
                // out of file descriptors: back off instead of spinning on the backlog
                Logger.error("{}: accept failed: {}; retrying in 100 ms", name, cause.getMessage());
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> {
                    if (!paused.get()) {
                        ctx.channel().config().setAutoRead(true);
                    }
                }, 100, TimeUnit.MILLISECONDS);
                return;
            }
            // the socket cannot accept any more (destroyed under us, or worse): the listener is down
            failed(cause);
            ctx.close();
        }
    }

    private final Counted counted = new Counted();

    /** Counts a listener's connections and pauses accepting while {@link #MAX_CONNECTIONS} are open. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Counted extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel());
            if (open.incrementAndGet() >= MAX_CONNECTIONS && paused.compareAndSet(false, true)) {
                long now = System.nanoTime();
                if (warnedFullAt == 0 || now - warnedFullAt > 10_000_000_000L) {
                    warnedFullAt = now;
                    Logger.warn("{}: {} connections open; new ones wait in the backlog", name, MAX_CONNECTIONS);
                }
                sockets.forEach(s -> s.config().setAutoRead(false));
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.remove(ctx.channel());
            if (open.decrementAndGet() < MAX_CONNECTIONS && paused.compareAndSet(true, false)) {
                sockets.forEach(s -> s.config().setAutoRead(true));
            }
            ctx.fireChannelInactive();
        }
    }

    private void failed(Throwable cause) {
        Consumer<Throwable> d = down;
        if (!closing && d != null && reported.compareAndSet(false, true)) {
            d.accept(cause);
        }
    }

    @Override
    public void close() {
        closing = true;
        for (Channel s : sockets) {
            // the port must be free when this returns (the daemon may open it again), unless called on a loop
            if (s.eventLoop().inEventLoop()) {
                s.close();
            } else {
                s.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
        sockets.clear();
        for (Channel c : connections) {
            c.close();
        }
    }
}
