package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.access.Addresses;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * fence_virtd's TCP listener ({@code fence_virt -T}): read the 176-byte request within 1 s, verify, then
 * the shared conversation.
 *
 * <p>The port is bound by several sockets with SO_REUSEPORT ("shards"); the kernel spreads connections over
 * them, and the thread that accepts a connection serves it, so a request costs no hand-off between threads
 * and concurrent clients are served in parallel. When every thread of a shard has been busy for
 * {@link #HELPER_AFTER} (a slow hypervisor call), a helper thread starts accepting on that shard, up to
 * {@code max_workers} threads in all, so a stuck request never holds up the connections behind it.
 */
public final class TcpListener implements FenceListener {
    /** fence_virtd reads the request within 1 s of accepting, then closes. */
    public static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(1);
    /** How long a shard may go without a thread in accept before a helper starts. */
    public static final Duration HELPER_AFTER = Duration.ofMillis(50);
    /**
     * Sockets bound to the port. A few per core: enough to keep both cores busy with concurrent clients,
     * few enough that an idle gateway holds a handful of threads.
     */
    private static final int SHARDS = Integer.getInteger("palisade.tcp.shards",
            Math.min(8, 2 * Runtime.getRuntime().availableProcessors()));

    private final TcpListenerConfig config;
    private final RequestGate gate;
    private final RequestDispatcher dispatcher;
    /** Who may fence whom through this listener. */
    private final AccessMap scope;
    private final int maxWorkers;
    private final AtomicInteger threads = new AtomicInteger();
    private final Set<StreamSession> sessions = ConcurrentHashMap.newKeySet();
    private final List<Shard> shards = new ArrayList<>();
    private final String name;
    private volatile boolean closed;
    private Thread watcher;
    private boolean warnedFull;

    /** One socket bound to the port, with the threads accepting on it. */
    private static final class Shard {
        final ServerSocket server;
        final int index;
        final AtomicInteger idle = new AtomicInteger();
        final AtomicInteger members = new AtomicInteger();
        final Map<Thread, Long> busySince = new ConcurrentHashMap<>();

        Shard(ServerSocket server, int index) {
            this.server = server;
            this.index = index;
        }
    }

    public TcpListener(TcpListenerConfig config, Credentials credentials, RequestDispatcher dispatcher,
                       AccessMap scope, int maxWorkers) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.scope = scope;
        this.maxWorkers = Math.max(SHARDS, maxWorkers);
        this.name = "tcp " + Addresses.text(config.address()) + ":" + config.port();
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
        InetSocketAddress at = new InetSocketAddress(config.address(), config.port());
        // A plain bind first: if anything holds the port (another gateway, fence_virtd), fail loudly here
        // instead of sharing it through SO_REUSEPORT.
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(at, 1);
            if (config.port() == 0) {
                at = new InetSocketAddress(config.address(), probe.getLocalPort());
            }
        }
        try {
            for (int i = 0; i < SHARDS; i++) {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                ss.bind(at, 128);
                shards.add(new Shard(ss, i));
            }
        } catch (IOException | UnsupportedOperationException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        for (Shard s : shards) {
            spawn(s);
        }
        watcher = new Thread(this::watch, "fence-tcp-" + config.port() + "-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void spawn(Shard shard) {
        threads.incrementAndGet();
        shard.members.incrementAndGet();
        Thread t = new Thread(() -> acceptLoop(shard), "fence-tcp-" + config.port() + "-" + shard.index);
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(Shard shard) {
        try {
            while (!closed) {
                Socket s;
                shard.idle.incrementAndGet();
                try {
                    s = shard.server.accept();
                } catch (IOException e) {
                    if (!closed) {
                        Logger.error("{}: accept failed: {}", name, e.getMessage());
                    }
                    return;
                } finally {
                    shard.idle.decrementAndGet();
                }
                shard.busySince.put(Thread.currentThread(), System.nanoTime());
                try {
                    handle(s);
                } finally {
                    shard.busySince.remove(Thread.currentThread());
                }
                if (shard.members.get() > 1 && shard.idle.get() > 0) {
                    // a helper that is no longer needed: another thread already waits in accept
                    return;
                }
            }
        } finally {
            shard.members.decrementAndGet();
            threads.decrementAndGet();
        }
    }

    /** Starts a helper on every shard whose threads have all been busy for longer than HELPER_AFTER. */
    private void watch() {
        long after = HELPER_AFTER.toNanos();
        while (!closed) {
            try {
                Thread.sleep(HELPER_AFTER.toMillis() / 2);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Shard shard : shards) {
                if (shard.idle.get() > 0 || shard.busySince.isEmpty()) {
                    continue;
                }
                boolean stuck = shard.busySince.values().stream().allMatch(t -> now - t > after);
                if (!stuck) {
                    continue;
                }
                if (threads.get() < maxWorkers) {
                    spawn(shard);
                } else if (!warnedFull) {
                    warnedFull = true;
                    Logger.warn("{}: all {} workers busy; new connections wait in the backlog", name, maxWorkers);
                }
            }
            if (threads.get() < maxWorkers / 2) {
                warnedFull = false;
            }
        }
    }

    private void handle(Socket socket) {
        String from = Addresses.text(socket.getInetAddress());
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
            dispatcher.serve(name, req, from, s, gate.credentials(), scope);
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
        if (watcher != null) {
            watcher.interrupt();
        }
        for (Shard shard : shards) {
            try {
                shard.server.close();
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
