package dev.palisade.fence.listener;

import dev.palisade.drivers.net.Vsock;
import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.config.FenceDaemonConfig.VsockListenerConfig;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * fence_virtd's vsock listener ({@code fence_virt -S}): the TCP conversation over AF_VSOCK. The caller is
 * identified by its CID, resolved to the domain that libvirt gave that CID ({@code <vsock><cid address>}),
 * so groups can name the VM by name or UUID; a group that lists the CID itself, as fence_virtd configurations
 * do, is honoured too.
 *
 * <p>This listener stays on blocking sockets: Netty 4.1's epoll transport has the AF_VSOCK socket calls but
 * no channel for them. Its callers are the VMs of one host, so one thread per connection (at most
 * {@link #MAX_CONNECTIONS}) is bounded; every read has a deadline, and the hypervisor call still runs on the
 * request runner.
 */
public final class VsockListener implements FenceListener {
    /** Connections served at once; more are refused (closed) until one ends. */
    public static final int MAX_CONNECTIONS = 16;

    private final VsockListenerConfig config;
    private final RequestGate gate;
    private final AccessMap scope;
    private final DomainDirectory directory;
    private final GatewayRuntime rt;
    private final Set<Vsock.Connection> open = ConcurrentHashMap.newKeySet();
    private final String name;
    private final ThreadPoolExecutor connections;
    private volatile Vsock.Server server;
    private volatile boolean closing;

    public VsockListener(VsockListenerConfig config, Credentials credentials, AccessMap scope,
                         DomainDirectory directory, GatewayRuntime rt) {
        this.config = config;
        this.scope = scope;
        this.directory = directory;
        this.rt = rt;
        this.name = "vsock port " + config.port();
        this.gate = new RequestGate(name, credentials, rt.metrics());
        this.connections = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                FenceThreads.factory("vsock"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return name + " (" + gate.credentials().describe() + ")";
    }

    @Override
    public void start(Consumer<Throwable> down) throws IOException {
        closing = false;
        Vsock.Server s = Vsock.Server.listen(config.port(), 16);
        server = s;
        FenceThreads.factory("vsock-accept").newThread(() -> acceptLoop(s, down)).start();
    }

    private void acceptLoop(Vsock.Server s, Consumer<Throwable> down) {
        while (!closing) {
            Vsock.Connection c;
            try {
                c = s.accept();
            } catch (IOException e) {
                if (!closing) {
                    down.accept(e);
                }
                return;
            }
            try {
                connections.execute(() -> handle(c));
            } catch (RejectedExecutionException e) {
                Logger.warn("{} cid {}: {} connections in progress; connection closed", name, c.peerCid(),
                        MAX_CONNECTIONS);
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
            c.timeout(Exchange.STEP_TIMEOUT.toMillis());
            StreamSession s = new StreamSession(c.input(), c.output(), c);
            s.deadline(System.nanoTime() + Exchange.REQUEST_READ_TIMEOUT.toNanos());
            FenceRequest req = gate.admit(s.readFully(FenceRequest.SIZE), from);
            if (req == null) {
                return;
            }
            StreamExchange.serve(gate, scope, rt, identity(c.peerCid() & 0xffffffffL), req, s);
        } catch (IOException e) {
            if (!closing) {
                Logger.warn("{} {}: connection dropped: {}", name, from, e.getMessage());
            }
        } finally {
            open.remove(c);
            c.close();
        }
    }

    @Override
    public void close() {
        closing = true;
        for (Vsock.Connection c : open) {
            c.close();
        }
        Vsock.Server s = server;
        if (s != null) {
            s.close();
        }
    }
}
