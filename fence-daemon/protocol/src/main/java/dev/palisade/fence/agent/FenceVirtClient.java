package dev.palisade.fence.agent;

import dev.palisade.fence.auth.ClientHandshake;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResultDecoder;
import dev.palisade.fence.wire.SerialFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.Promise;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the fence_virt protocol, in process: what fence_virt -T and fence_xvm do (legacy),
 * or Palisade's hardened scheme, with a deadline on the whole request. It serves the fence_palisade agent,
 * the supervisor's fence device, benchmarks and tests. TCP and multicast run on Netty (one client event loop
 * per process); vsock and serial lines are blocking streams the caller has opened.
 */
public final class FenceVirtClient {
    private final FenceKey key;
    private final HashType hash;
    private final HashType auth;
    private final HardenedKeys hardened;
    private final Duration timeout;

    /** A legacy client: packets signed with {@code hash}, challenges answered with {@code auth}. */
    public FenceVirtClient(FenceKey key, HashType hash, HashType auth, Duration timeout) {
        this.key = key;
        this.hash = hash;
        this.auth = auth;
        this.hardened = null;
        this.timeout = timeout;
    }

    private FenceVirtClient(FenceKey key, Duration timeout) {
        this.key = key;
        this.hash = null;
        this.auth = null;
        this.hardened = HardenedKeys.derive(key);
        this.timeout = timeout;
    }

    /** A client of the hardened scheme. */
    public static FenceVirtClient hardened(FenceKey key, Duration timeout) {
        return new FenceVirtClient(key, timeout);
    }

    /**
     * The answer: the raw result byte (0..255; see {@code ResponseCode}, in the hardened scheme
     * {@code UNKNOWN_DOMAIN} too), and the hosts when it was a list.
     */
    public record Result(int code, List<HostState> hosts) {
    }

    /** A local address the gateway may call back, and the interface a copy of the request leaves by. */
    public record Callback(InetAddress address, NetworkInterface nif) {
    }

    /** Builds and signs a request (seqno random, as the stock clients' microseconds are). */
    public FenceRequest request(RequestCode op, String domain) {
        return sign(FenceRequest.builder().request(op).domain(domain == null ? "" : domain)
                .seqno(ThreadLocalRandom.current().nextInt() & 0xffffffffL).build());
    }

    FenceRequest sign(FenceRequest unsigned) {
        return hardened != null ? HardenedAuth.sign(unsigned, hardened, System.currentTimeMillis())
                : LegacyAuth.sign(unsigned, hash, key);
    }

    /** Whether this client speaks the hardened scheme, whose gateway answers UNKNOWN_DOMAIN and never OFF for a name it does not know. */
    public boolean isHardened() {
        return hardened != null;
    }

    /** The client's half of the challenge/response for the hardened requests with these MACs (or legacy). */
    ClientHandshake handshake(List<byte[]> requestMacs) {
        return hardened != null ? ClientHandshake.hardened(hardened, requestMacs) : ClientHandshake.legacy(key, auth);
    }

    Duration timeout() {
        return timeout;
    }

    /** One request over TCP ({@code fence_virt -T}). */
    public Result tcp(InetSocketAddress server, RequestCode op, String domain) throws IOException {
        return tcpRaw(server, request(op, domain).encode());
    }

    /** Sends arbitrary request bytes over TCP and runs the client half of the conversation. */
    public Result tcpRaw(InetSocketAddress server, byte[] requestBytes) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClientHandshake hs = handshake(macOf(requestBytes));
        EventLoopGroup loops = ClientLoop.group();
        Promise<Result> done = loops.next().newPromise();
        Bootstrap b = new Bootstrap().group(loops).channel(Transport.get().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 3000))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, Buffers.allocator())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        new ClientConversation(hs, requestBytes, new ClientConversation.Outcome() {
                            @Override
                            public void answered(Result result) {
                                done.trySuccess(result);
                            }

                            @Override
                            public void failed(Throwable cause, boolean provedKey) {
                                done.tryFailure(cause);
                            }
                        }).install(ch.pipeline());
                    }
                });
        ChannelFuture connect = b.connect(server);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                done.tryFailure(f.cause());
            }
        });
        try {
            return await(done, deadline);
        } finally {
            connect.channel().close();
        }
    }

    /**
     * Waits for the answer until the deadline; past it, the conversation is abandoned ("Timed out waiting for
     * response", as the stock clients say).
     */
    static Result await(Promise<Result> done, long deadlineNanos) throws IOException {
        try {
            if (!done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                done.tryFailure(new SocketTimeoutException("Timed out waiting for response"));
            }
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the gateway");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof DecoderException d && d.getCause() != null ? d.getCause() : e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c.getMessage(), c);
        }
    }

    /** The MAC a hardened request carries (the gateway's proof names it), or none for a legacy one. */
    private List<byte[]> macOf(byte[] requestBytes) {
        return hardened != null && requestBytes.length == FenceRequest.SIZE
                ? List.of(Arrays.copyOfRange(requestBytes, 144, 176)) : List.of();
    }

    /**
     * One request over a TCP socket the caller has connected, on the caller's thread (blocking reads under the
     * request's deadline): the conversation of {@link #tcp} without the client event loop, for callers that
     * make one request per thread anyway (load generators, scripts).
     */
    public Result stream(java.net.Socket connected, RequestCode op, String domain) throws IOException {
        StreamSession io = new StreamSession(connected, System.nanoTime() + timeout.toNanos());
        byte[] req = request(op, domain).encode();
        return converse(io, req, handshake(macOf(req)));
    }

    /** One request over an already connected stream in the TCP conversation (vsock). */
    public Result stream(InputStream in, OutputStream out, Closeable closer, RequestCode op, String domain)
            throws IOException {
        StreamSession io = new StreamSession(in, out, closer);
        io.deadline(System.nanoTime() + timeout.toNanos());
        byte[] req = request(op, domain).encode();
        return converse(io, req, handshake(macOf(req)));
    }

    /**
     * One request over a VM's serial or vmchannel stream. Hardened: the "abbh" frame and the hardened
     * exchange. Legacy: the stock "abba" frame, unauthenticated, as fence_virt -D sends it.
     */
    public Result serial(InputStream in, OutputStream out, Closeable closer, RequestCode op, String domain)
            throws IOException {
        StreamSession io = new StreamSession(in, out, closer);
        io.deadline(System.nanoTime() + timeout.toNanos());
        if (hardened != null) {
            byte[] req = request(op, domain).encode();
            byte[] framed = new byte[SerialFrame.hardenedPrefix().length + req.length];
            System.arraycopy(SerialFrame.hardenedPrefix(), 0, framed, 0, SerialFrame.hardenedPrefix().length);
            System.arraycopy(req, 0, framed, SerialFrame.hardenedPrefix().length, req.length);
            return converse(io, framed, handshake(macOf(req)));
        }
        long seqno = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
        io.send(SerialFrame.encodeRequest(op, 0, domain == null ? "" : domain, seqno));
        byte[] resp = io.readFully(SerialFrame.RESPONSE_SIZE);
        checkMagic(resp);
        int code = resp[4] & 0xff;
        if (code != 253) {
            return new Result(code, List.of());
        }
        // the entries and terminator of the stock stream, then the framed final result
        EmbeddedChannel decoder = new EmbeddedChannel(new ResultDecoder(null));
        decode(decoder, new byte[] {(byte) code});
        while (true) {
            byte[] entry = io.readFully(HostState.SIZE);
            decode(decoder, entry);
            if (HostState.isTerminator(entry)) {
                break;
            }
        }
        byte[] last = io.readFully(SerialFrame.RESPONSE_SIZE);
        checkMagic(last);
        ResultDecoder.Reply r = decode(decoder, new byte[] {last[4]});
        return new Result(r.code(), r.hosts());
    }

    private static void checkMagic(byte[] resp) throws IOException {
        if (ByteBuffer.wrap(resp).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != SerialFrame.MAGIC) {
            throw new IOException("serial response without the frame magic");
        }
    }

    /**
     * The client half of the conversation on a blocking stream: {@code first} (the request, over TCP and vsock)
     * goes out in the same write as the client's challenge, the gateway's answer is checked, its challenge
     * answered, and the result read through the same decoder the Netty client uses.
     */
    private static Result converse(StreamSession io, byte[] first, ClientHandshake hs) throws IOException {
        byte[] opening = hs.opening();
        byte[] out = Arrays.copyOf(first, first.length + opening.length);
        System.arraycopy(opening, 0, out, first.length, opening.length);
        io.send(out);
        while (hs.want() > 0) {
            byte[] reply = hs.take(io.readFully(hs.want()));
            if (reply.length > 0) {
                io.send(reply);
            }
        }
        var seal = hs.expectedSeal();
        EmbeddedChannel decoder = new EmbeddedChannel(new ResultDecoder(seal));
        while (true) {
            ResultDecoder.Reply r = decode(decoder, io.readSome(4096));
            if (r != null) {
                ClientHandshake.checkSeal(seal, r.seal());
                return new Result(r.code(), r.hosts());
            }
        }
    }

    /** Feeds bytes to the decoder; returns the answer once it is complete. */
    private static ResultDecoder.Reply decode(EmbeddedChannel decoder, byte[] bytes) throws IOException {
        try {
            decoder.writeInbound(Unpooled.wrappedBuffer(bytes));
        } catch (DecoderException e) {
            throw new IOException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
        }
        return decoder.readInbound();
    }

    /** One request over multicast from one interface (see the list form). */
    public Result multicast(InetAddress group, int port, InetAddress callbackAddress, NetworkInterface nif,
                            RequestCode op, String domain, Duration retransmit) throws IOException {
        return multicast(group, port, List.of(new Callback(callbackAddress, nif)), op, domain, retransmit);
    }

    /**
     * One request over multicast, as fence_xvm sends it: listen for the call-back on {@code port} (any
     * address), send one copy of the request per local address, each naming that address for the call-back
     * and leaving by its interface, and repeat every {@code retransmit}. Unlike fence_xvm, every call-back is
     * accepted until the deadline: one that cannot prove the key (a host without it that connected first) is
     * dropped, and the one that proves it is answered. Hardened copies each get a fresh nonce.
     */
    public Result multicast(InetAddress group, int port, List<Callback> callbacks, RequestCode op, String domain,
                            Duration retransmit) throws IOException {
        return new MulticastCall(this, group, port, callbacks, op, domain, retransmit).run();
    }
}
