package dev.palisade.fence.agent;

import dev.palisade.fence.auth.ClientHandshake;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.RequestCode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * One multicast request, as fence_xvm makes it (docs/fence-virt-wire.md): a TCP socket on {@code port}
 * waits for the gateway's call-back, and one copy of the request per local address goes to the group from
 * that address's interface, naming the address for the call-back, again every {@code retransmit} until a
 * gateway has proved the key. Every call-back is taken until the deadline and must prove the key before
 * anything else (fence_xvm takes only the first, so whoever connects first decides the fence); those that
 * do not are dropped and logged. All of it runs on the client event loop; the caller waits for the answer.
 */
final class MulticastCall {
    /** Multicast TTL of the stock clients: the request may cross one router. */
    private static final int TTL = 2;

    private final FenceVirtClient client;
    private final InetAddress group;
    private final int port;
    private final List<FenceVirtClient.Callback> callbacks;
    private final RequestCode op;
    private final String domain;
    private final Duration retransmit;
    private final long seqno = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    /** MACs of the hardened copies sent so far: the gateway's proof names the one it answers. */
    private final List<byte[]> macs = new CopyOnWriteArrayList<>();
    private final List<byte[]> packets = new ArrayList<>();
    private final List<Channel> open = new CopyOnWriteArrayList<>();
    private final EventLoop loop = ClientLoop.group().next();
    private final Promise<FenceVirtClient.Result> done = loop.newPromise();
    private volatile boolean gatewayFound;

    MulticastCall(FenceVirtClient client, InetAddress group, int port, List<FenceVirtClient.Callback> callbacks,
                  RequestCode op, String domain, Duration retransmit) {
        this.client = client;
        this.group = group;
        this.port = port;
        this.callbacks = List.copyOf(callbacks);
        this.op = op;
        this.domain = domain == null ? "" : domain;
        this.retransmit = retransmit;
    }

    FenceVirtClient.Result run() throws IOException {
        long deadline = System.nanoTime() + client.timeout().toNanos();
        ScheduledFuture<?> resend = null;
        try {
            open.add(listen());
            List<DatagramChannel> senders = new ArrayList<>();
            for (FenceVirtClient.Callback cb : callbacks) {
                senders.add(sender(cb));
            }
            loop.execute(() -> send(senders));
            long every = Math.max(1, retransmit.toNanos());
            resend = loop.scheduleAtFixedRate(() -> {
                if (!gatewayFound) {
                    send(senders);
                }
            }, every, every, TimeUnit.NANOSECONDS);
            return FenceVirtClient.await(done, deadline);
        } finally {
            if (resend != null) {
                resend.cancel(false);
            }
            for (Channel c : open) {
                c.close();
            }
        }
    }

    /** The call-back socket: every connection made to it gets its own conversation. */
    private Channel listen() throws IOException {
        boolean v6 = group instanceof Inet6Address;
        ServerBootstrap b = new ServerBootstrap().group(loop, loop).channel(Transport.get().serverSocketChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 10)
                .option(ChannelOption.ALLOCATOR, Buffers.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.allocator())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        open.add(ch);
                        calledBack(ch);
                    }
                });
        try {
            // the wildcard of the group's family: the gateway calls back on the address family it was asked in
            return b.bind(new InetSocketAddress(InetAddress.getByName(v6 ? "::" : "0.0.0.0"), port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the call-back port " + port);
        } catch (Exception e) {
            throw new IOException("cannot listen for the call-back on port " + port + ": " + e.getMessage(), e);
        }
    }

    private void calledBack(Channel ch) {
        String from = String.valueOf(ch.remoteAddress());
        ClientHandshake hs = client.handshake(macs);
        new ClientConversation(hs, new byte[0], new ClientConversation.Outcome() {
            @Override
            public void answered(FenceVirtClient.Result result) {
                done.trySuccess(result);
            }

            @Override
            public void keyProved() {
                // the gateway has called back: stop asking the group
                gatewayFound = true;
            }

            @Override
            public void failed(Throwable cause, boolean provedKey) {
                if (provedKey) {
                    // the gateway itself failed the conversation: nothing better will come
                    done.tryFailure(cause);
                } else if (!done.isDone()) {
                    Logger.warn("call-back from {} dropped: {}; waiting for the gateway's", from, cause.getMessage());
                }
            }
        }).install(ch.pipeline());
    }

    /** A socket sending the copies for one local address, out of that address's interface. */
    private DatagramChannel sender(FenceVirtClient.Callback cb) throws IOException {
        boolean v6 = group instanceof Inet6Address;
        DatagramChannel ch = Transport.get().datagramChannel(v6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        ch.config().setOption(ChannelOption.ALLOCATOR, Buffers.allocator());
        try {
            loop.register(ch).sync();
            ch.config().setTimeToLive(TTL);
            if (cb.nif() != null) {
                ch.config().setNetworkInterface(cb.nif());
            }
            ch.bind(new InetSocketAddress(InetAddress.getByName(v6 ? "::" : "0.0.0.0"), 0)).sync();
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening a multicast socket");
        } catch (Exception e) {
            ch.close();
            throw new IOException("cannot send to " + group.getHostAddress() + " from " + cb.address().getHostAddress()
                    + ": " + e.getMessage(), e);
        }
        open.add(ch);
        return ch;
    }

    /** One copy per local address (on the loop). Legacy copies are signed once; hardened ones get fresh nonces. */
    private void send(List<DatagramChannel> senders) {
        InetSocketAddress to = new InetSocketAddress(group, port);
        for (int i = 0; i < callbacks.size(); i++) {
            if (packets.size() <= i || client.isHardened()) {
                FenceRequest unsigned = FenceRequest.builder().request(op).domain(domain).seqno(seqno)
                        .callback(callbacks.get(i).address().getAddress(), port).build();
                byte[] packet = client.sign(unsigned).encode();
                if (packets.size() <= i) {
                    packets.add(packet);
                } else {
                    packets.set(i, packet);
                }
                macs.add(Arrays.copyOfRange(packet, 144, 176));
            }
            // an interface that cannot reach the group fails its copy; the others may reach it
            senders.get(i).writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(packets.get(i)), to));
        }
    }
}
