package dev.palisade.fence.listener;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.tinylog.Logger;

/**
 * fence_virtd's TCP listener ({@code fence_virt -T}): read the 176-byte request within 1 s, verify, then
 * the shared conversation. Each connection runs on its own worker.
 */
public final class TcpListener implements FenceListener {
    /** fence_virtd reads the request within 1 s of accepting, then closes. */
    public static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(1);

    private final TcpListenerConfig config;
    private final FenceKey key;
    private final RequestGate gate;
    private final RequestDispatcher dispatcher;
    private final ExecutorService workers;
    private final Set<StreamSession> sessions = ConcurrentHashMap.newKeySet();
    private final String name;
    private volatile ServerSocket server;
    private volatile boolean closed;

    public TcpListener(TcpListenerConfig config, FenceKey key, RequestDispatcher dispatcher, ExecutorService workers) {
        this.config = config;
        this.key = key;
        this.dispatcher = dispatcher;
        this.workers = workers;
        this.name = "tcp " + config.address().getHostAddress() + ":" + config.port();
        this.gate = new RequestGate(name, key, config.hash());
    }

    public RequestGate gate() {
        return gate;
    }

    @Override
    public String describe() {
        return name + " (hash >= " + config.hash().configName() + ", auth " + config.auth().configName()
                + ", key sha256:" + key.fingerprint() + ")";
    }

    @Override
    public void start() throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(config.address(), config.port()), 128);
        server = ss;
        Thread t = new Thread(this::acceptLoop, "fence-tcp-" + config.port());
        t.setDaemon(true);
        t.start();
    }

    /** The port actually bound (useful with port 0 in tests). */
    public int localPort() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    Logger.error("{}: accept failed: {}", name, e.getMessage());
                }
                return;
            }
            try {
                workers.execute(() -> handle(s));
            } catch (RejectedExecutionException e) {
                Logger.warn("{} {}: all workers busy; connection closed", name, s.getInetAddress().getHostAddress());
                closeQuietly(s);
            }
        }
    }

    private void handle(Socket socket) {
        String from = socket.getInetAddress().getHostAddress();
        StreamSession s = null;
        try {
            socket.setTcpNoDelay(true);
            s = new StreamSession(socket, System.nanoTime() + REQUEST_READ_TIMEOUT.toNanos());
            sessions.add(s);
            if (closed) {
                return;
            }
            byte[] bytes = s.readFully(FenceRequest.SIZE);
            FenceRequest req = gate.admit(bytes, from);
            if (req == null) {
                return;
            }
            dispatcher.serve(name, req, from, s, config.auth(), key);
        } catch (IOException e) {
            if (!closed) {
                Logger.warn("{} {}: connection dropped: {}", name, from, e.getMessage());
            }
        } catch (RuntimeException e) {
            Logger.error(e, "{} {}: request failed", name, from);
        } finally {
            if (s != null) {
                sessions.remove(s);
                s.close();
            } else {
                closeQuietly(socket);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket ss = server;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (StreamSession s : sessions) {
            s.close();
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to tell the peer
        }
    }
}
