package dev.palisade.fence.listener;

import dev.palisade.drivers.net.Vsock;
import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.config.FenceDaemonConfig.VsockListenerConfig;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.tinylog.Logger;

/**
 * fence_virtd's vsock listener ({@code fence_virt -S}): the TCP conversation over AF_VSOCK. The caller is
 * identified by its CID, resolved to the domain that libvirt gave that CID ({@code <vsock><cid address>}),
 * so groups can name the VM by name or UUID; a group that lists the CID itself, as fence_virtd configurations
 * do, is honoured too.
 */
public final class VsockListener implements FenceListener {
    private final VsockListenerConfig config;
    private final RequestGate gate;
    private final RequestDispatcher dispatcher;
    private final AccessMap scope;
    private final DomainDirectory directory;
    private final ExecutorService workers;
    private final Set<Vsock.Connection> open = ConcurrentHashMap.newKeySet();
    private final String name;
    private volatile Vsock.Server server;
    private volatile boolean closed;

    public VsockListener(VsockListenerConfig config, Credentials credentials, RequestDispatcher dispatcher,
                         AccessMap scope, DomainDirectory directory, ExecutorService workers) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.scope = scope;
        this.directory = directory;
        this.workers = workers;
        this.name = "vsock port " + config.port();
        this.gate = new RequestGate(name, credentials);
    }

    @Override
    public String describe() {
        return name + " (" + gate.credentials().describe() + ")";
    }

    @Override
    public void start() throws IOException {
        server = Vsock.Server.listen(config.port(), 16);
        Thread t = new Thread(this::acceptLoop, "fence-vsock-" + config.port());
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (!closed) {
            Vsock.Connection c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    Logger.error("{}: {}", name, e.getMessage());
                }
                return;
            }
            try {
                workers.execute(() -> handle(c));
            } catch (RejectedExecutionException e) {
                Logger.warn("{} cid {}: all workers busy; connection closed", name, c.peerCid());
                c.close();
            }
        }
    }

    /** The identity the access rules see for a CID: the CID when a group names it, else its domain's UUID. */
    String identity(long cid) {
        String cidText = Long.toString(cid);
        if (scope.isOpen() || scope.knowsSource(cidText)) {
            return cidText;
        }
        try {
            for (DomainDirectory.RunningDomain d : directory.running()) {
                if (DomainSockets.vsockCid(d.xml()) == cid) {
                    return d.uuid();
                }
            }
        } catch (BackendException | IOException e) {
            Logger.warn("{}: cannot resolve cid {} to a domain: {}", name, cid, e.getMessage());
        }
        return cidText;
    }

    private void handle(Vsock.Connection c) {
        open.add(c);
        String from = "cid " + c.peerCid();
        try {
            c.timeout(RequestDispatcher.AUTH_TIMEOUT.toMillis());
            StreamSession s = new StreamSession(c.input(), c.output(), c);
            s.deadline(System.nanoTime() + TcpListener.REQUEST_READ_TIMEOUT.toNanos());
            FenceRequest req = gate.admit(s.readFully(FenceRequest.SIZE), from);
            if (req == null) {
                return;
            }
            dispatcher.serve(name, req, identity(c.peerCid() & 0xffffffffL), s, gate.credentials(), scope);
        } catch (IOException e) {
            if (!closed) {
                Logger.warn("{} {}: connection dropped: {}", name, from, e.getMessage());
            }
        } catch (RuntimeException e) {
            Logger.error(e, "{} {}: request failed", name, from);
        } finally {
            open.remove(c);
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Vsock.Connection c : open) {
            c.close();
        }
        Vsock.Server s = server;
        if (s != null) {
            s.close();
        }
    }
}
