package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.stream.StreamSession;
import dev.palisade.fence.transport.FenceThreads;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.DomainDirectory;
import dev.palisade.fence.config.FenceDaemonConfig.SerialListenerConfig;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import dev.palisade.fence.wire.SerialFrame;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

/**
 * fence_virtd's serial and vmchannel listener: the gateway connects to the UNIX socket that each running
 * domain's {@code <serial>} (or {@code <channel>}) device binds on the host, and serves requests that
 * arrive on it in the "abba" framing, with the domain's UUID as the caller's identity. Domains are
 * followed by looking at the running set every {@link #RECONCILE_INTERVAL}: a new domain's sockets are
 * connected, a stopped one's closed, a socket that drops is reconnected.
 *
 * <p>The stock framing carries no authentication (the socket itself is the proof of identity); with a key
 * and {@code auth = "hardened"} or {@code "both"}, the hardened frame ({@code "abbh"} + a hardened request)
 * is served too, and with {@code "hardened"} the stock frames are refused.
 */
public final class SerialListener implements FenceListener {
    public static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(1);
    private static final int MAX_NOISE = 4096;

    private final SerialListenerConfig config;
    private final Credentials credentials;
    private final RequestGate gate;
    private final GatewayRuntime rt;
    /** Who may fence whom through this listener. */
    private final AccessMap scope;
    private final DomainDirectory directory;
    private final RequestHistory history = new RequestHistory();
    private final FailureLog limiter;
    private final Map<Path, Link> links = new ConcurrentHashMap<>();
    private final String name;
    private volatile boolean closed;
    private java.util.concurrent.ScheduledFuture<?> reconciler;
    private final java.util.concurrent.ThreadFactory linkThreads;

    /** One connected domain socket. */
    private final class Link {
        final Path path;
        final String uuid;
        final String domain;
        final SocketChannel channel;

        Link(Path path, String uuid, String domain, SocketChannel channel) {
            this.path = path;
            this.uuid = uuid;
            this.domain = domain;
            this.channel = channel;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    public SerialListener(SerialListenerConfig config, Credentials credentials, AccessMap scope,
                          DomainDirectory directory, GatewayRuntime rt) {
        this.config = config;
        this.credentials = credentials;
        this.rt = rt;
        this.scope = scope;
        this.directory = directory;
        this.name = config.mode() == SerialListenerConfig.Mode.SERIAL ? "serial" : "vmchannel";
        this.gate = credentials == null ? null : new RequestGate(name, credentials);
        this.limiter = new FailureLog(name);
        this.linkThreads = FenceThreads.factory(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return name + " (sockets of running domains" + (config.path() == null ? "" : " in " + config.path())
                + "; " + (credentials == null ? "stock frames, no key" : credentials.describe()) + ")";
    }

    @Override
    public void start(java.util.function.Consumer<Throwable> down) {
        closed = false;
        reconcile();
        // following the domains asks the hypervisor: on the housekeeping thread, never an event loop
        reconciler = rt.housekeeping().scheduleWithFixedDelay(this::reconcile, RECONCILE_INTERVAL.toMillis(),
                RECONCILE_INTERVAL.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Domain sockets connected right now (for status output and tests). */
    public int connected() {
        return links.size();
    }

    private synchronized void reconcile() {
        List<DomainDirectory.RunningDomain> running;
        try {
            running = directory.running();
        } catch (BackendException e) {
            Logger.warn("{}: cannot list running domains: {}", name, e.getMessage());
            return;
        }
        Set<Path> wanted = new HashSet<>();
        for (DomainDirectory.RunningDomain d : running) {
            List<Path> paths;
            try {
                paths = DomainSockets.find(d.xml(), config.mode(), config.path());
            } catch (IOException e) {
                Logger.warn("{}: domain {}: {}", name, d.name(), e.getMessage());
                continue;
            }
            for (Path p : paths) {
                wanted.add(p);
                if (!links.containsKey(p) && !closed) {
                    connect(p, d);
                }
            }
        }
        for (Link l : links.values()) {
            if (!wanted.contains(l.path)) {
                Logger.info("{}: domain {} stopped or lost its socket {}; disconnected", name, l.domain, l.path);
                links.remove(l.path);
                l.close();
            }
        }
    }

    private void connect(Path path, DomainDirectory.RunningDomain d) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            Link l = new Link(path, d.uuid(), d.name(), ch);
            links.put(path, l);
            linkThreads.newThread(() -> serve(l)).start();
            Logger.info("{}: connected to {} of domain {} ({})", name, path, d.name(), d.uuid());
        } catch (IOException e) {
            Logger.debug("{}: cannot connect to {} of domain {} yet: {}", name, path, d.name(), e.getMessage());
        }
    }

    private void serve(Link l) {
        InputStream in = Channels.newInputStream(l.channel);
        OutputStream out = Channels.newOutputStream(l.channel);
        try {
            while (!closed) {
                SerialFrame.Frame f = SerialFrame.read(in, MAX_NOISE);
                if (f.skipped() > 0 || f.malformed() != null) {
                    if (limiter.failed(l.uuid)) {
                        Logger.warn("{} {}: {}", name, l.domain, f.malformed() != null ? "malformed frame dropped: "
                                + f.malformed() : "skipped " + f.skipped() + " bytes of noise before a frame");
                    }
                }
                if (f.legacy() != null) {
                    serveStock(l, f.legacy(), out);
                } else if (f.hardened() != null) {
                    serveHardened(l, f.hardened(), in, out);
                }
            }
        } catch (EOFException e) {
            Logger.info("{}: {} of domain {} closed", name, l.path, l.domain);
        } catch (IOException e) {
            if (!closed) {
                Logger.warn("{}: {} of domain {}: {}", name, l.path, l.domain, e.getMessage());
            }
        } finally {
            links.remove(l.path, l);
            l.close();
        }
    }

    private void serveStock(Link l, SerialFrame.Request r, OutputStream out) throws IOException {
        String source = l.uuid;
        if (credentials != null && !credentials.policy().acceptsLegacy()) {
            if (limiter.failed(source)) {
                Logger.warn("{} {}: stock (unauthenticated) request refused: this listener requires hardened auth "
                        + "({} '{}')", name, l.domain, actionName(r.request()), r.domain());
            }
            return;
        }
        if (!history.claim(r.request(), r.seqno(), r.domain())) {
            Logger.debug("{} {}: duplicate of a request handled in the last 10 s dropped", name, l.domain);
            return;
        }
        RequestCode code = r.code();
        FenceRequest req = FenceRequest.builder().requestByte(r.request()).domain(r.domain()).seqno(r.seqno()).build();
        if (code == null) {
            Logger.warn("{} {}: unknown request code {}; answering FAIL", name, l.domain, r.request());
            write(out, SerialFrame.response(ResponseCode.FAIL.code()));
            return;
        }
        long started = System.nanoTime();
        String where = name + " " + l.domain;
        dev.palisade.fence.runner.Outcome o = rt.runner().call(where + ": " + code.action() + " of '" + r.domain()
                + "'", () -> rt.operation().run(where, req, source, scope));
        o = new dev.palisade.fence.runner.Outcome(o.code().onStockWire(code), o.hosts());
        AnswerLog.answered(name, source, req, o.code(), code == RequestCode.HOSTLIST ? " (" + o.hosts().size()
                + " domains)" : "", started, "stock frame");
        if (code == RequestCode.HOSTLIST && o.code() == ResponseCode.SUCCESS) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(SerialFrame.response(ResponseCode.HOSTLIST.code()));
            for (HostState h : o.hosts()) {
                b.writeBytes(h.encode());
            }
            b.writeBytes(HostState.TERMINATOR);
            b.writeBytes(SerialFrame.response(ResponseCode.SUCCESS.code()));
            write(out, b.toByteArray());
        } else {
            write(out, SerialFrame.response(o.code().code()));
        }
    }

    private void serveHardened(Link l, byte[] request, InputStream in, OutputStream out) throws IOException {
        if (gate == null) {
            if (limiter.failed(l.uuid)) {
                Logger.warn("{} {}: hardened request dropped: no key_file configured for this listener", name, l.domain);
            }
            return;
        }
        FenceRequest req = gate.admit(request, l.uuid);
        if (req == null) {
            return;
        }
        // The conversation runs on the domain's socket; closing it at a deadline ends only this VM's link,
        // which the next reconcile reconnects.
        StreamSession s = new StreamSession(in, out, l.channel);
        StreamExchange.serve(gate, scope, rt, l.uuid, req, s);
    }

    private static void write(OutputStream out, byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    private static String actionName(int request) {
        RequestCode c = RequestCode.fromCode(request);
        return c == null ? "request " + request : c.action();
    }

    @Override
    public void close() {
        closed = true;
        if (reconciler != null) {
            reconciler.cancel(false);
        }
        for (Link l : links.values()) {
            l.close();
        }
        links.clear();
    }
}
