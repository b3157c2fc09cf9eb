package dev.palisade.fence.agent;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.listener.StreamSession;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.WireFormatException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of the stock fence_virt protocol, in process: what fence_virt -T and fence_xvm do, with
 * a deadline on every step. It serves the fence device of the supervisor, benchmarks and tests.
 */
public final class FenceVirtClient {
    private final FenceKey key;
    private final HashType hash;
    private final HashType auth;
    private final Duration timeout;

    public FenceVirtClient(FenceKey key, HashType hash, HashType auth, Duration timeout) {
        this.key = key;
        this.hash = hash;
        this.auth = auth;
        this.timeout = timeout;
    }

    /** The answer: the raw result byte (0..255), and the hosts when it was a list. */
    public record Result(int code, List<HostState> hosts) {
    }

    /** Builds and signs a request the way the stock clients do (seqno from the clock's microseconds). */
    public FenceRequest request(RequestCode op, String domain) {
        FenceRequest unsigned = FenceRequest.builder().request(op).domain(domain == null ? "" : domain)
                .seqno(ThreadLocalRandom.current().nextInt() & 0xffffffffL).build();
        return LegacyAuth.sign(unsigned, hash, key);
    }

    /** One request over TCP ({@code fence_virt -T}). */
    public Result tcp(InetSocketAddress server, RequestCode op, String domain) throws IOException {
        return tcpRaw(server, request(op, domain).encode());
    }

    /** Sends arbitrary request bytes over TCP and runs the client half of the conversation. */
    public Result tcpRaw(InetSocketAddress server, byte[] requestBytes) throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(server, (int) Math.min(timeout.toMillis(), 3000));
            StreamSession io = new StreamSession(s, System.nanoTime() + timeout.toNanos());
            return converse(io, requestBytes);
        }
    }

    /**
     * One request over multicast ({@code fence_xvm}): listen on {@code callbackAddress:port}, send the
     * request to the group from {@code nif}, retransmitting every {@code retransmit} until the gateway
     * calls back, then run the conversation on that connection.
     */
    public Result multicast(InetAddress group, int port, InetAddress callbackAddress, NetworkInterface nif,
                            RequestCode op, String domain, Duration retransmit) throws IOException {
        boolean v6 = group instanceof Inet6Address;
        FenceRequest unsigned = FenceRequest.builder().request(op).domain(domain == null ? "" : domain)
                .seqno(ThreadLocalRandom.current().nextInt() & 0xffffffffL)
                .callback(callbackAddress.getAddress(), port).build();
        byte[] packet = LegacyAuth.sign(unsigned, hash, key).encode();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ServerSocket listen = new ServerSocket();
             DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            listen.setReuseAddress(true);
            listen.bind(new InetSocketAddress(callbackAddress, port), 10);
            if (nif != null) {
                ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            }
            ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 2);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("Timed out waiting for response");
                }
                ch.send(ByteBuffer.wrap(packet), new InetSocketAddress(group, port));
                listen.setSoTimeout((int) Math.max(1, Math.min(retransmit.toMillis(), left / 1_000_000)));
                try (Socket s = listen.accept()) {
                    s.setTcpNoDelay(true);
                    return converse(new StreamSession(s, deadline), new byte[0]);
                } catch (SocketTimeoutException again) {
                    // retransmit
                }
            }
        }
    }

    /**
     * The client half of the conversation. {@code first} (the request, over TCP) goes out in the same write
     * as the client's challenge: the server reads them one after the other either way.
     */
    private Result converse(StreamSession io, byte[] first) throws IOException {
        if (auth == HashType.NONE) {
            io.write(first);
            io.flush();
        } else {
            byte[] challenge = LegacyAuth.newChallenge();
            byte[] out = new byte[first.length + challenge.length];
            System.arraycopy(first, 0, out, 0, first.length);
            System.arraycopy(challenge, 0, out, first.length, challenge.length);
            io.write(out);
            io.flush();
            byte[] answer = io.readFully(LegacyAuth.CHALLENGE_SIZE);
            if (!LegacyAuth.checkResponse(auth, key, challenge, answer)) {
                throw new IOException("Invalid response to challenge");
            }
            byte[] theirs = io.readFully(LegacyAuth.CHALLENGE_SIZE);
            io.write(LegacyAuth.response(auth, key, theirs));
            io.flush();
        }
        int code = io.readFully(1)[0] & 0xff;
        if (code != 253) {
            return new Result(code, List.of());
        }
        List<HostState> hosts = new ArrayList<>();
        while (true) {
            byte[] entry = io.readFully(HostState.SIZE);
            if (HostState.isTerminator(entry)) {
                break;
            }
            try {
                hosts.add(HostState.decode(entry));
            } catch (WireFormatException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        int last = io.readFully(1)[0] & 0xff;
        return new Result(last, hosts);
    }
}
