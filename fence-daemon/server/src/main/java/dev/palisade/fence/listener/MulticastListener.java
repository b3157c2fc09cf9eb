package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.config.Addresses;
import dev.palisade.fence.config.FenceDaemonConfig.MulticastListenerConfig;
import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.FenceRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * fence_virtd's multicast listener ({@code fence_xvm}) on Netty: a signed request arrives on the group; once
 * it verifies, the gateway connects back over TCP to the address and port the request carries (5 s connect
 * timeout), and the same {@link Exchange} as a TCP connection runs on that connection. The caller's identity
 * is the call-back address in the signed request, not the datagram's source (fence_virtd's rule).
 */
public final class MulticastListener implements FenceListener {
    public static final Duration CALLBACK_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Large enough to notice an oversized datagram instead of silently reading its first 176 bytes. */
    private static final int RECEIVE_BUFFER = 2048;

    private final MulticastListenerConfig config;
    private final RequestGate gate;
    private final AccessMap scope;
    private final GatewayRuntime rt;
    private final String name;
    private final Set<Channel> callBacks = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean reported = new AtomicBoolean();
    private volatile DatagramChannel channel;
    private volatile boolean closing;

    public MulticastListener(MulticastListenerConfig config, Credentials credentials, AccessMap scope,
                             GatewayRuntime rt) {
        this.config = config;
        this.scope = scope;
        this.rt = rt;
        this.name = "multicast " + Addresses.text(config.group()) + ":" + config.port()
                + (config.iface() == null ? "" : "%" + config.iface());
        this.gate = new RequestGate(name, credentials, rt.metrics());
    }

    public RequestGate gate() {
        return gate;
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
        closing = false;
        reported.set(false);
        boolean v6 = config.group() instanceof Inet6Address;
        EventLoop loop = rt.loops().next();
        DatagramChannel ch = Transport.get().datagramChannel(v6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        ch.config().setOption(ChannelOption.SO_REUSEADDR, true);
        ch.config().setOption(ChannelOption.ALLOCATOR, Buffers.allocator());
        ch.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BUFFER));
        ch.pipeline().addLast(new Datagrams(loop));
        try {
            loop.register(ch).sync();
            ch.bind(new InetSocketAddress(InetAddress.getByName(v6 ? "::" : "0.0.0.0"), config.port())).sync();
            List<String> joined = new ArrayList<>();
            for (NetworkInterface nif : interfaces()) {
                try {
                    ch.joinGroup(new InetSocketAddress(config.group(), config.port()), nif).sync();
                    joined.add(nif.getName());
                } catch (Exception e) {
                    Logger.debug("{}: cannot join on {}: {}", name, nif.getName(), e.getMessage());
                }
            }
            if (joined.isEmpty()) {
                throw new IOException("could not join multicast group " + Addresses.text(config.group())
                        + (config.iface() == null ? " on any interface" : " on interface " + config.iface())
                        + "; check that the interface is up and has a multicast route");
            }
            Logger.info("{}: joined the group on {}", name, String.join(", ", joined));
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + name);
        } catch (IOException e) {
            ch.close();
            throw e;
        } catch (Exception e) {
            ch.close();
            throw new IOException(e.getMessage(), e);
        }
        channel = ch;
        ch.closeFuture().addListener(f -> {
            if (!closing && reported.compareAndSet(false, true)) {
                down.accept(new IOException("its socket closed"));
            }
        });
    }

    private List<NetworkInterface> interfaces() throws IOException {
        if (config.iface() != null) {
            NetworkInterface nif = NetworkInterface.getByName(config.iface());
            if (nif == null) {
                throw new IOException("interface '" + config.iface() + "' (listeners/multicast at "
                        + config.position() + ") does not exist");
            }
            return List.of(nif);
        }
        List<NetworkInterface> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp()) {
                out.add(nif);
            }
        }
        return out;
    }

    /** Datagrams in: admitted requests are called back. */
    private final class Datagrams extends SimpleChannelInboundHandler<DatagramPacket> {
        private final EventLoop loop;

        Datagrams(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            ByteBuf content = p.content();
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            String src = Addresses.text(p.sender());
            FenceRequest req = gate.admit(bytes, src);
            if (req == null) {
                return;
            }
            if (req.addrLen() == 0) {
                rt.metrics().rejected(name, Rejection.MALFORMED);
                Logger.warn("{} {}: request without a call-back address dropped ({})", name, src, req);
                gate.history().release(req.requestByte(), req.seqno(), req.domain());
                return;
            }
            callBack(loop, req, src);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a datagram socket's errors belong to one datagram (an ICMP error, say): keep receiving
            Logger.debug("{}: {}", name, cause.getMessage());
        }
    }

    private void callBack(EventLoop loop, FenceRequest req, String datagramSource) {
        InetAddress addr;
        try {
            addr = InetAddress.getByAddress(req.address());
        } catch (IOException e) {
            gate.history().release(req.requestByte(), req.seqno(), req.domain());
            return;
        }
        String source = Addresses.text(addr);
        Bootstrap b = new Bootstrap().group(loop).channel(Transport.get().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CALLBACK_CONNECT_TIMEOUT.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, Buffers.allocator())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        callBacks.add(ch);
                        ch.closeFuture().addListener(f -> callBacks.remove(ch));
                        new Exchange(gate, scope, rt, source, req).install(ch.pipeline());
                    }
                });
        b.connect(new InetSocketAddress(addr, req.port())).addListener(f -> {
            if (!f.isSuccess()) {
                // never reached the client: let a retransmit be served
                gate.history().release(req.requestByte(), req.seqno(), req.domain());
                rt.metrics().rejected(name, Rejection.CALLBACK_FAILED);
                if (!closing) {
                    Logger.warn("{} {}: call-back to {}:{} failed: {} (datagram from {})", name, source, source,
                            req.port(), f.cause().getMessage(), datagramSource);
                }
            }
        });
    }

    @Override
    public void close() {
        closing = true;
        DatagramChannel ch = channel;
        if (ch != null) {
            if (ch.eventLoop().inEventLoop()) {
                ch.close();
            } else {
                ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
        for (Channel c : callBacks) {
            c.close();
        }
    }
}
