package dev.palisade.bench;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.transport.NettyDefaults;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The floor of the fence_virt TCP exchange on this machine: a server that does only what the protocol forces
 * on every server (accept, read the request, answer the client's challenge with the key, send its own, read
 * the answer, send one result byte, close) and nothing a real gateway must: no signature check, no
 * verification of the answer, no hypervisor, no worker hand-off, no logging, no deadlines. It runs on the same
 * runtime as the gateway (Netty, one SO_REUSEPORT socket per event loop on epoll;
 * {@code -Dpalisade.transport=nio} for NIO). Not a product; the benchmark runs it next to fence_virtd and the
 * gateway to show how much of a request's cost is work no server can avoid.
 *
 * <p>Usage: ExchangeFloor KEY_FILE ADDRESS PORT
 */
public final class ExchangeFloor {
    private ExchangeFloor() {
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply();
        FenceKey key = FenceKey.load(Path.of(args[0]));
        InetSocketAddress at = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        EventLoopGroup loops = Transport.get().group(Buffers.LOOPS, FenceThreads.factory("floor"));
        byte[] ours = LegacyAuth.newChallenge();
        Iterable<EventExecutor> sockets = Transport.get().sharesPorts() ? loops : java.util.List.of(loops.next());
        Channel last = null;
        for (EventExecutor e : sockets) {
            EventLoop loop = (EventLoop) e;
            ServerBootstrap b = new ServerBootstrap().group(loop, loop).channel(Transport.get().serverSocketChannel())
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, Buffers.allocator())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Conversation(key, ours));
                        }
                    });
            Transport.get().sharePort(b);
            last = b.bind(at).sync().channel();
        }
        // the loops' threads are daemon threads: serve until killed
        last.closeFuture().sync();
    }

    /** One connection: the request and the challenge behind it, then the answer to ours. */
    private static final class Conversation extends ChannelInboundHandlerAdapter {
        private final FenceKey key;
        private final byte[] ours;
        private final ByteBuf in = Unpooled.buffer(FenceRequest.SIZE + LegacyAuth.CHALLENGE_SIZE);
        private boolean answered;

        Conversation(FenceKey key, byte[] ours) {
            this.key = key;
            this.ours = ours;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            in.writeBytes(b);
            b.release();
            int need = answered ? LegacyAuth.CHALLENGE_SIZE : FenceRequest.SIZE + LegacyAuth.CHALLENGE_SIZE;
            if (in.readableBytes() < need) {
                return;
            }
            if (!answered) {
                byte[] challenge = new byte[LegacyAuth.CHALLENGE_SIZE];
                in.getBytes(FenceRequest.SIZE, challenge);
                ByteBuf out = ctx.alloc().buffer(2 * LegacyAuth.CHALLENGE_SIZE);
                out.writeBytes(LegacyAuth.response(HashType.SHA256, key, challenge)).writeBytes(ours);
                ctx.writeAndFlush(out);
                answered = true;
                in.clear();
            } else {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0})).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
