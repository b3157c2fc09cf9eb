package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.access.Addresses;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.config.FenceDaemonConfig.MulticastListenerConfig;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.tinylog.Logger;

/**
 * fence_virtd's multicast listener ({@code fence_xvm}): a signed request arrives on the group; after it
 * verifies, the gateway connects back over TCP to the address and port the request carries (5 s connect
 * timeout), and the shared conversation runs on that stream. Datagrams are read on one thread; every
 * call-back runs on its own worker.
 */
public final class MulticastListener implements FenceListener {
    public static final Duration CALLBACK_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Large enough to notice an oversized datagram instead of silently reading its first 176 bytes. */
    private static final int RECEIVE_BUFFER = 2048;

    private final MulticastListenerConfig config;
    private final RequestGate gate;
    private final RequestDispatcher dispatcher;
    /** Who may fence whom through this listener. */
    private final AccessMap scope;
    private final ExecutorService workers;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final String name;
    private volatile DatagramChannel channel;
    private volatile boolean closed;

    public MulticastListener(MulticastListenerConfig config, Credentials credentials, RequestDispatcher dispatcher,
                             AccessMap scope, ExecutorService workers) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.scope = scope;
        this.workers = workers;
        this.name = "multicast " + Addresses.text(config.group()) + ":" + config.port()
                + (config.iface() == null ? "" : "%" + config.iface());
        this.gate = new RequestGate(name, credentials);
    }

    public RequestGate gate() {
        return gate;
    }

    @Override
    public String describe() {
        return name + " (" + gate.credentials().describe() + ")";
    }

    @Override
    public void start() throws IOException {
        boolean v6 = config.group() instanceof Inet6Address;
        DatagramChannel ch = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(config.port()));
            List<String> joined = new ArrayList<>();
            for (NetworkInterface nif : interfaces()) {
                try {
                    ch.join(config.group(), nif);
                    joined.add(nif.getName());
                } catch (IOException e) {
                    Logger.debug("{}: cannot join on {}: {}", name, nif.getName(), e.getMessage());
                }
            }
            if (joined.isEmpty()) {
                throw new IOException("could not join multicast group " + Addresses.text(config.group())
                        + (config.iface() == null ? " on any interface" : " on interface " + config.iface())
                        + "; check that the interface is up and has a multicast route");
            }
            Logger.info("{}: joined the group on {}", name, String.join(", ", joined));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channel = ch;
        Thread t = new Thread(this::receiveLoop, "fence-mcast-" + config.port());
        t.setDaemon(true);
        t.start();
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

    private void receiveLoop() {
        ByteBuffer buf = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (!closed) {
            SocketAddress from;
            buf.clear();
            try {
                from = channel.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    Logger.error("{}: receive failed: {}", name, e.getMessage());
                }
                return;
            }
            String src = from instanceof InetSocketAddress isa ? Addresses.text(isa.getAddress()) : String.valueOf(from);
            byte[] bytes = new byte[buf.position()];
            buf.flip();
            buf.get(bytes);
            FenceRequest req = gate.admit(bytes, src);
            if (req == null) {
                continue;
            }
            if (req.addrLen() == 0) {
                Logger.warn("{} {}: request without a call-back address dropped ({})", name, src, req);
                gate.history().release(req.requestByte(), req.seqno(), req.domain());
                continue;
            }
            try {
                workers.execute(() -> callBack(req, src));
            } catch (RejectedExecutionException e) {
                gate.history().release(req.requestByte(), req.seqno(), req.domain());
                Logger.warn("{} {}: all workers busy; request dropped ({})", name, src, req);
            }
        }
    }

    private void callBack(FenceRequest req, String datagramSource) {
        InetAddress addr;
        try {
            addr = InetAddress.getByAddress(req.address());
        } catch (IOException e) {
            gate.history().release(req.requestByte(), req.seqno(), req.domain());
            return;
        }
        // fence_virtd identifies the caller by the call-back address in the signed request, not the UDP source.
        String source = Addresses.text(addr);
        Socket socket = new Socket();
        sockets.add(socket);
        StreamSession s = null;
        try {
            if (closed) {
                return;
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(addr, req.port()), (int) CALLBACK_CONNECT_TIMEOUT.toMillis());
            s = new StreamSession(socket, System.nanoTime() + RequestDispatcher.AUTH_TIMEOUT.toNanos());
            dispatcher.serve(name, req, source, s, gate.credentials(), scope);
        } catch (IOException e) {
            if (s == null) {
                // Never reached the client: let a retransmit be served.
                gate.history().release(req.requestByte(), req.seqno(), req.domain());
            }
            if (!closed) {
                Logger.warn("{} {}: call-back to {}:{} failed: {} (datagram from {})", name, source, source,
                        req.port(), e.getMessage(), datagramSource);
            }
        } catch (RuntimeException e) {
            Logger.error(e, "{} {}: request failed", name, source);
        } finally {
            sockets.remove(socket);
            TcpListener.closeQuietly(socket);
        }
    }

    @Override
    public void close() {
        closed = true;
        DatagramChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (Socket s : sockets) {
            TcpListener.closeQuietly(s);
        }
    }
}
