package dev.palisade.fence;

import dev.palisade.drivers.http.StatusServer;
import dev.palisade.drivers.libvirt.LibvirtHypervisor;
import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.backend.FenceBackend;
import dev.palisade.fence.backend.LibvirtBackend;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.config.FenceDaemonConfig.ListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.MulticastListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.SerialListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.VsockListenerConfig;
import dev.palisade.fence.listener.FenceListener;
import dev.palisade.fence.listener.GatewayRuntime;
import dev.palisade.fence.listener.MulticastListener;
import dev.palisade.fence.listener.SerialListener;
import dev.palisade.fence.listener.TcpListener;
import dev.palisade.fence.listener.VsockListener;
import dev.palisade.fence.metrics.GatewayEndpoints;
import dev.palisade.fence.metrics.GatewayMetrics;
import dev.palisade.fence.runner.FenceOperation;
import dev.palisade.fence.runner.RequestRunner;
import dev.palisade.fence.transport.Buffers;
import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.transport.Transport;
import dev.palisade.fence.wire.ResponseCode;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The fence gateway: reads the configuration, builds the backend, the access scopes and every configured
 * listener, and runs them side by side until closed. It only wires and keeps: listeners own transports, the
 * request runner owns every hypervisor call and its deadline, the backend owns the hypervisor, and the
 * {@link ListenerKeeper} re-opens a listener that stops serving, or ends the daemon when it cannot.
 *
 * <p>Threads, all made by {@link FenceThreads}: {@link Buffers#LOOPS} event loops (network I/O, never a
 * hypervisor call), up to {@code max_workers} request workers, one housekeeping thread (re-opening
 * listeners, following the VMs' sockets), the threads of the blocking transports (vsock, serial), and with an
 * {@code http} block one more event loop ({@code fence-http}) that serves {@code /metrics} and {@code /status}
 * from {@link GatewayMetrics} (it reads counters and volatile fields only: a scrape never waits for another
 * thread of the gateway, nor they for it).
 */
public final class FenceDaemon implements AutoCloseable {
    private final FenceDaemonConfig config;
    private final FenceBackend backend;
    private final EventLoopGroup loops;
    private final RequestRunner runner;
    private final FenceOperation operation;
    private final ScheduledThreadPoolExecutor housekeeping;
    private final ListenerKeeper keeper;
    private final List<FenceListener> listeners = new ArrayList<>();
    private final List<LibvirtBackend> ownedDirectories = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final GatewayMetrics metrics = new GatewayMetrics();
    private volatile StatusServer http;
    private volatile String failure;
    private volatile boolean serving;
    private volatile boolean closed;

    private FenceDaemon(FenceDaemonConfig config, FenceBackend backend) throws KeyFileException {
        this.config = config;
        this.backend = backend;
        this.housekeeping = new ScheduledThreadPoolExecutor(1, FenceThreads.factory("housekeeping"));
        this.housekeeping.setRemoveOnCancelPolicy(true);
        this.keeper = new ListenerKeeper(housekeeping, this::fail, metrics);
        Map<Path, FenceKey> keys = new HashMap<>();
        List<Credentials> creds = new ArrayList<>();
        for (ListenerConfig lc : config.listeners()) {
            FenceKey key = null;
            if (lc.keyFile() != null) {
                key = keys.get(lc.keyFile());
                if (key == null) {
                    key = FenceKey.load(lc.keyFile());
                    keys.put(lc.keyFile(), key);
                }
            }
            creds.add(key == null ? null : new Credentials(key, lc.policy(), lc.hash(), lc.auth(), lc.skew()));
        }
        this.loops = Transport.get().group(Buffers.LOOPS, FenceThreads.factory("loop"));
        this.runner = new RequestRunner(config.requestTimeout(), config.maxWorkers(), FenceThreads.factory("worker"));
        this.operation = new FenceOperation(backend);
        GatewayRuntime rt = new GatewayRuntime(loops, runner, operation, housekeeping, metrics);
        for (int i = 0; i < config.listeners().size(); i++) {
            ListenerConfig lc = config.listeners().get(i);
            AccessMap scope = AccessMap.of(config, lc);
            Credentials c = creds.get(i);
            if (lc instanceof TcpListenerConfig t) {
                listeners.add(new TcpListener(t, c, scope, rt));
            } else if (lc instanceof MulticastListenerConfig m) {
                listeners.add(new MulticastListener(m, c, scope, rt));
            } else if (lc instanceof VsockListenerConfig v) {
                listeners.add(new VsockListener(v, c, scope, directoryFor(null), rt));
            } else if (lc instanceof SerialListenerConfig sc) {
                listeners.add(new SerialListener(sc, c, scope, directoryFor(sc), rt));
            }
        }
        for (FenceListener l : listeners) {
            metrics.listener(l.name()); // in configuration order, down until started
        }
    }

    /** The backend's own connection owner, or for a serial listener with its own URI, an owner of that. */
    private DomainDirectory directoryFor(SerialListenerConfig sc) {
        if (sc != null && sc.uri() != null && !config.libvirtUris().contains(sc.uri())) {
            LibvirtBackend own = new LibvirtBackend(List.of(new LibvirtHypervisor(sc.uri())));
            ownedDirectories.add(own);
            return own;
        }
        if (backend instanceof DomainDirectory d) {
            return d;
        }
        throw new IllegalStateException("serial, vmchannel and vsock listeners need the libvirt backend");
    }

    /** Builds the daemon with the libvirt backend of the configuration (its connections start at once). */
    public static FenceDaemon create(FenceDaemonConfig config) throws KeyFileException {
        List<LibvirtHypervisor> hvs = new ArrayList<>();
        for (String uri : config.libvirtUris()) {
            hvs.add(new LibvirtHypervisor(uri));
        }
        LibvirtBackend backend = new LibvirtBackend(hvs);
        try {
            return new FenceDaemon(config, backend);
        } catch (KeyFileException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Builds the daemon around a given backend (used by embedders and tests). */
    public static FenceDaemon create(FenceDaemonConfig config, FenceBackend backend) throws KeyFileException {
        return new FenceDaemon(config, backend);
    }

    public RequestRunner runner() {
        return runner;
    }

    public FenceOperation operation() {
        return operation;
    }

    public List<FenceListener> listeners() {
        return List.copyOf(listeners);
    }

    /** The gateway's counters (what /metrics and /status show). */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The metrics endpoint, or null without an {@code http} block (or before {@link #start}). */
    public StatusServer http() {
        return http;
    }

    /** What a scrape reads besides the counters: plain field reads, no lock of the pool or the listeners. */
    private GatewayMetrics.Gauges gauges() {
        Boolean connected = backend instanceof LibvirtBackend lb ? lb.devstatus() == ResponseCode.SUCCESS : null;
        return new GatewayMetrics.Gauges(serving && !closed, runner.running(), config.maxWorkers(), connected);
    }

    /** Each listener's name and state: "serving", or down and why (also in the log). */
    public Map<String, String> status() {
        return keeper.status();
    }

    /**
     * Starts every listener. The libvirt connection is given {@code connectWait} to come up first, but the
     * listeners start either way: while it is down, requests are answered FAIL and devstatus says so.
     */
    public void start(Duration connectWait) throws IOException, InterruptedException {
        if (config.http() != null) {
            // first, so that monitoring sees a gateway that waits for libvirt (palisade_gateway_up 0)
            try {
                http = StatusServer.start(config.http().listen(), GatewayEndpoints.pages(metrics, this::gauges),
                        "fence-http", (thread, e) -> fail("thread " + thread + " died: " + e));
            } catch (IOException e) {
                close();
                throw new IOException("http block at " + config.http().position() + ": " + e.getMessage()
                        + " (use an address of this host and a free port)", e);
            }
        }
        if (backend instanceof LibvirtBackend && connectWait.toMillis() > 0) {
            long deadline = System.nanoTime() + connectWait.toNanos();
            while (backend.devstatus() != ResponseCode.SUCCESS && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            if (backend.devstatus() != ResponseCode.SUCCESS) {
                Logger.warn("libvirt is not connected yet ({}); starting listeners anyway, requests fail until it is",
                        String.join(", ", config.libvirtUris()));
            }
        }
        for (FenceListener l : listeners) {
            try {
                keeper.start(l);
            } catch (IOException e) {
                close();
                throw new IOException(l.describe() + ": " + e.getMessage(), e);
            }
        }
        Logger.info("fence daemon ready: {} listener(s) on {} ({} event loops, up to {} request workers), backend "
                        + "libvirt {}, access {}", listeners.size(), Transport.get().name(), Buffers.LOOPS,
                config.maxWorkers(), String.join(" ", config.libvirtUris()),
                config.groups().isEmpty() ? "open (no groups)" : config.groups().size() + " group(s)");
        serving = true;
    }

    /** A listener could not be kept serving: the gateway stops, and says why (the process exits 111). */
    private void fail(String why) {
        failure = why;
        Logger.error("{}; stopping the gateway (exit code {}) so that systemd restarts it", why, ExitCode.SYSTEM);
        // not on the housekeeping thread, which close() stops
        FenceThreads.factory("stop").newThread(this::close).start();
    }

    /** Why the gateway stopped on its own, or null when it was closed (or still runs). */
    public String failure() {
        return failure;
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        keeper.close();
        StatusServer h = http;
        if (h != null) {
            h.close();
        }
        for (FenceListener l : listeners) {
            l.close();
        }
        runner.close();
        housekeeping.shutdownNow();
        loops.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS);
        // A libvirt call stuck in the hypervisor can hold the connection: close it off the caller's thread
        // and wait only briefly, so shutdown stays within a second.
        Thread closer = FenceThreads.factory("backend-close").newThread(() -> {
            ownedDirectories.forEach(LibvirtBackend::close);
            backend.close();
        });
        closer.start();
        try {
            closer.join(300);
            loops.terminationFuture().await(300, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped.countDown();
        Logger.info("fence daemon stopped");
    }
}
