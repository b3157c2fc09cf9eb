package dev.palisade.fence.agent;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.WireFormatException;
import java.io.ByteArrayOutputStream;
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
 * The client side of the fence_virt protocol, in process: what fence_virt -T and fence_xvm do (legacy),
 * or Palisade's hardened scheme, with a deadline on every step. It serves the fence_palisade agent, the
 * supervisor's fence device, benchmarks and tests.
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

    /** The answer: the raw result byte (0..255), and the hosts when it was a list. */
    public record Result(int code, List<HostState> hosts) {
    }

    /** Builds and signs a request (seqno random, as the stock clients' microseconds are). */
    public FenceRequest request(RequestCode op, String domain) {
        return sign(FenceRequest.builder().request(op).domain(domain == null ? "" : domain)
                .seqno(ThreadLocalRandom.current().nextInt() & 0xffffffffL).build());
    }

    private FenceRequest sign(FenceRequest unsigned) {
        return hardened != null ? HardenedAuth.sign(unsigned, hardened, System.currentTimeMillis())
                : LegacyAuth.sign(unsigned, hash, key);
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
            List<byte[]> macs = hardened != null && requestBytes.length == FenceRequest.SIZE
                    ? List.of(java.util.Arrays.copyOfRange(requestBytes, 144, 176)) : List.of();
            return converse(io, requestBytes, macs);
        }
    }

    /** One request over an already connected stream in the TCP conversation (vsock). */
    public Result stream(java.io.InputStream in, java.io.OutputStream out, java.io.Closeable closer, RequestCode op,
                         String domain) throws IOException {
        StreamSession io = new StreamSession(in, out, closer);
        io.deadline(System.nanoTime() + timeout.toNanos());
        byte[] req = request(op, domain).encode();
        return converse(io, req, hardened != null ? List.of(java.util.Arrays.copyOfRange(req, 144, 176)) : List.of());
    }

    /**
     * One request over a VM's serial or vmchannel stream. Hardened: the "abbh" frame and the hardened
     * exchange. Legacy: the stock "abba" frame, unauthenticated, as fence_virt -D sends it.
     */
    public Result serial(java.io.InputStream in, java.io.OutputStream out, java.io.Closeable closer, RequestCode op,
                         String domain) throws IOException {
        StreamSession io = new StreamSession(in, out, closer);
        io.deadline(System.nanoTime() + timeout.toNanos());
        if (hardened != null) {
            byte[] req = request(op, domain).encode();
            return converse(io, concat(dev.palisade.fence.wire.SerialFrame.hardenedPrefix(), req),
                    List.of(java.util.Arrays.copyOfRange(req, 144, 176)));
        }
        long seqno = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
        io.send(dev.palisade.fence.wire.SerialFrame.encodeRequest(op, 0, domain == null ? "" : domain, seqno));
        byte[] resp = io.readFully(dev.palisade.fence.wire.SerialFrame.RESPONSE_SIZE);
        checkMagic(resp);
        int code = resp[4] & 0xff;
        if (code != 253) {
            return new Result(code, List.of());
        }
        List<HostState> hosts = readHosts(io, new ByteArrayOutputStream());
        byte[] last = io.readFully(dev.palisade.fence.wire.SerialFrame.RESPONSE_SIZE);
        checkMagic(last);
        return new Result(last[4] & 0xff, hosts);
    }

    private static void checkMagic(byte[] resp) throws IOException {
        if (java.nio.ByteBuffer.wrap(resp).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0)
                != dev.palisade.fence.wire.SerialFrame.MAGIC) {
            throw new IOException("serial response without the frame magic");
        }
    }

    /** A local address the gateway may call back, and the interface a copy of the request leaves by. */
    public record Callback(InetAddress address, NetworkInterface nif) {
    }

    /** One request over multicast from one interface (see the list form). */
    public Result multicast(InetAddress group, int port, InetAddress callbackAddress, NetworkInterface nif,
                            RequestCode op, String domain, Duration retransmit) throws IOException {
        return multicast(group, port, List.of(new Callback(callbackAddress, nif)), op, domain, retransmit);
    }

    /**
     * One request over multicast, as fence_xvm sends it: listen for the call-back on {@code port} (any
     * address), send one copy of the request per local address, each naming that address for the call-back
     * and leaving by its interface, and repeat every {@code retransmit} until the gateway calls back; then
     * run the conversation on that connection. Hardened copies each get a fresh nonce.
     */
    public Result multicast(InetAddress group, int port, List<Callback> callbacks, RequestCode op, String domain,
                            Duration retransmit) throws IOException {
        boolean v6 = group instanceof Inet6Address;
        long seqno = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
        long deadline = System.nanoTime() + timeout.toNanos();
        List<byte[]> macs = new ArrayList<>();
        List<byte[]> packets = new ArrayList<>();
        for (Callback cb : callbacks) {
            packets.add(null);
        }
        try (ServerSocket listen = new ServerSocket();
             DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            listen.setReuseAddress(true);
            listen.bind(new InetSocketAddress(port), 10);
            ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 2);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("Timed out waiting for response");
                }
                for (int i = 0; i < callbacks.size(); i++) {
                    Callback cb = callbacks.get(i);
                    if (packets.get(i) == null || hardened != null) {
                        FenceRequest unsigned = FenceRequest.builder().request(op).domain(domain == null ? "" : domain)
                                .seqno(seqno).callback(cb.address().getAddress(), port).build();
                        byte[] packet = sign(unsigned).encode();
                        packets.set(i, packet);
                        macs.add(java.util.Arrays.copyOfRange(packet, 144, 176));
                    }
                    if (cb.nif() != null) {
                        ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, cb.nif());
                    }
                    try {
                        ch.send(ByteBuffer.wrap(packets.get(i)), new InetSocketAddress(group, port));
                    } catch (IOException unreachable) {
                        // this interface cannot reach the group; the others may
                    }
                }
                listen.setSoTimeout((int) Math.max(1, Math.min(retransmit.toMillis(), left / 1_000_000)));
                try (Socket s = listen.accept()) {
                    s.setTcpNoDelay(true);
                    return converse(new StreamSession(s, deadline), new byte[0], macs);
                } catch (SocketTimeoutException again) {
                    // retransmit
                }
            }
        }
    }

    /**
     * The client half of the conversation. {@code first} (the request, over TCP) goes out in the same write
     * as the client's challenge: the server reads them one after the other either way. {@code macs} are the
     * MACs of the hardened requests sent (one per multicast copy): the gateway's proof says which it answers.
     */
    private Result converse(StreamSession io, byte[] first, List<byte[]> macs) throws IOException {
        if (hardened != null) {
            return converseHardened(io, first, macs);
        }
        if (auth == HashType.NONE) {
            io.send(first);
        } else {
            byte[] challenge = LegacyAuth.newChallenge();
            io.send(concat(first, challenge));
            byte[] answer = io.readFully(LegacyAuth.CHALLENGE_SIZE);
            if (!LegacyAuth.checkResponse(auth, key, challenge, answer)) {
                throw new IOException("Invalid response to challenge");
            }
            byte[] theirs = io.readFully(LegacyAuth.CHALLENGE_SIZE);
            io.send(LegacyAuth.response(auth, key, theirs));
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        return readResult(io, raw);
    }

    private Result converseHardened(StreamSession io, byte[] first, List<byte[]> macs) throws IOException {
        byte[] cc = HardenedAuth.newChallenge();
        io.send(concat(first, cc));
        byte[] proof = io.readFully(HardenedAuth.MAC_SIZE);
        byte[] cs = io.readFully(HardenedAuth.CHALLENGE_SIZE);
        byte[] requestMac = null;
        for (byte[] m : macs) {
            if (HardenedAuth.equal(proof, HardenedAuth.serverProof(hardened, m, cc))) {
                requestMac = m;
            }
        }
        if (requestMac == null) {
            throw new IOException("the gateway did not prove that it holds the key (wrong key, or not the gateway)");
        }
        io.send(HardenedAuth.clientProof(hardened, requestMac, cs));
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        Result r = readResult(io, raw);
        byte[] mac = io.readFully(HardenedAuth.MAC_SIZE);
        if (!HardenedAuth.equal(mac, HardenedAuth.resultMac(hardened, requestMac, cc, cs, raw.toByteArray()))) {
            throw new IOException("the result failed its MAC: not trusted");
        }
        return r;
    }

    private static Result readResult(StreamSession io, ByteArrayOutputStream raw) throws IOException {
        byte[] first = io.readFully(1);
        raw.writeBytes(first);
        int code = first[0] & 0xff;
        if (code != 253) {
            return new Result(code, List.of());
        }
        List<HostState> hosts = readHosts(io, raw);
        byte[] last = io.readFully(1);
        raw.writeBytes(last);
        return new Result(last[0] & 0xff, hosts);
    }

    /** Host-list entries up to the all-zero terminator, each also copied to {@code raw} (for the result MAC). */
    private static List<HostState> readHosts(StreamSession io, ByteArrayOutputStream raw) throws IOException {
        List<HostState> hosts = new ArrayList<>();
        while (true) {
            byte[] entry = io.readFully(HostState.SIZE);
            raw.writeBytes(entry);
            if (HostState.isTerminator(entry)) {
                return hosts;
            }
            if (hosts.size() >= 65_536) {
                throw new IOException("host list longer than 65536 entries");
            }
            try {
                hosts.add(HostState.decode(entry));
            } catch (WireFormatException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
