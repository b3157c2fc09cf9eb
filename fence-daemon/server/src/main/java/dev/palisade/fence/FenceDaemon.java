package dev.palisade.fence;

import dev.palisade.drivers.libvirt.LibvirtHypervisor;
import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.fence.backend.FenceBackend;
import dev.palisade.fence.backend.LibvirtBackend;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.config.FenceDaemonConfig.ListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.MulticastListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.SerialListenerConfig;
import dev.palisade.fence.config.FenceDaemonConfig.VsockListenerConfig;
import dev.palisade.fence.listener.VsockListener;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.listener.SerialListener;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.listener.FenceListener;
import dev.palisade.fence.listener.MulticastListener;
import dev.palisade.fence.listener.RequestDispatcher;
import dev.palisade.fence.listener.TcpListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * The fence gateway: reads the configuration, builds the backend, the access map and every configured
 * listener, and runs them side by side until closed. It only wires; listeners own transports and the
 * backend owns the hypervisor.
 */
public final class FenceDaemon implements AutoCloseable {
    private final FenceDaemonConfig config;
    private final FenceBackend backend;
    private final RequestDispatcher dispatcher;
    private final ThreadPoolExecutor workers;
    private final List<FenceListener> listeners = new ArrayList<>();
    private final List<LibvirtBackend> ownedDirectories = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;

    private FenceDaemon(FenceDaemonConfig config, FenceBackend backend) throws KeyFileException {
        this.config = config;
        this.backend = backend;
        this.workers = pool("fence-worker", config.maxWorkers());
        this.dispatcher = new RequestDispatcher(backend, config.requestTimeout());
        Map<Path, FenceKey> keys = new HashMap<>();
        for (ListenerConfig lc : config.listeners()) {
            FenceKey key = null;
            if (lc.keyFile() != null) {
                key = keys.get(lc.keyFile());
                if (key == null) {
                    key = FenceKey.load(lc.keyFile());
                    keys.put(lc.keyFile(), key);
                }
            }
            if (lc instanceof TcpListenerConfig t) {
                listeners.add(new TcpListener(t, credentials(key, lc), dispatcher, config.scopeOf(lc),
                        config.maxWorkers()));
            } else if (lc instanceof MulticastListenerConfig m) {
                listeners.add(new MulticastListener(m, credentials(key, lc), dispatcher, config.scopeOf(lc), workers));
            } else if (lc instanceof VsockListenerConfig v) {
                listeners.add(new VsockListener(v, credentials(key, lc), dispatcher, config.scopeOf(lc),
                        directoryFor(null), workers));
            } else if (lc instanceof SerialListenerConfig sc) {
                listeners.add(new SerialListener(sc, key == null ? null : credentials(key, lc), dispatcher,
                        config.scopeOf(lc), directoryFor(sc)));
            }
        }
    }

    private static Credentials credentials(FenceKey key, ListenerConfig lc) {
        return new Credentials(key, lc.policy(), lc.hash(), lc.auth(), lc.skew());
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

    /** Builds the daemon with the libvirt backend of the configuration. */
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

    public RequestDispatcher dispatcher() {
        return dispatcher;
    }

    public List<FenceListener> listeners() {
        return List.copyOf(listeners);
    }

    /**
     * Starts every listener. The libvirt connection is given {@code connectWait} to come up first, but the
     * listeners start either way: while it is down, requests are answered FAIL and devstatus says so.
     */
    public void start(Duration connectWait) throws IOException, InterruptedException {
        if (backend instanceof LibvirtBackend && connectWait.toMillis() > 0) {
            long deadline = System.nanoTime() + connectWait.toNanos();
            while (backend.devstatus() != dev.palisade.fence.wire.ResponseCode.SUCCESS
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (backend.devstatus() != dev.palisade.fence.wire.ResponseCode.SUCCESS) {
                Logger.warn("libvirt is not connected yet ({}); starting listeners anyway, requests fail until it is",
                        String.join(", ", config.libvirtUris()));
            }
        }
        for (FenceListener l : listeners) {
            try {
                l.start();
            } catch (IOException e) {
                close();
                throw new IOException(l.describe() + ": " + e.getMessage(), e);
            }
            Logger.info("listening: {}", l.describe());
        }
        Logger.info("fence daemon ready: {} listener(s), backend libvirt {}, access {}", listeners.size(),
                String.join(" ", config.libvirtUris()),
                config.groups().isEmpty() ? "open (no groups)" : config.groups().size() + " group(s)");
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (FenceListener l : listeners) {
            l.close();
        }
        workers.shutdownNow();
        dispatcher.close();
        try {
            workers.awaitTermination(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A libvirt call stuck in the hypervisor can hold the connection: close it off the caller's thread
        // and wait only briefly, so shutdown stays within a second.
        Thread closer = new Thread(() -> {
            ownedDirectories.forEach(LibvirtBackend::close);
            backend.close();
        }, "fence-backend-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped.countDown();
        Logger.info("fence daemon stopped");
    }

    private static ThreadPoolExecutor pool(String prefix, int max) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // No queue: a request either gets a worker now or is refused loudly, never parked behind a stuck one.
        ThreadPoolExecutor p = new ThreadPoolExecutor(0, max, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), tf);
        return p;
    }
}
