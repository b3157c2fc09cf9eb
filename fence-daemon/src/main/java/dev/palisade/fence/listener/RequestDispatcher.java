package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.FenceBackend;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The part every stream-based listener shares once a request is decoded and its signature verified:
 * challenge/response in the stock order (the client challenges first), the access check, the backend call
 * under a deadline, and the result byte or host-list stream.
 *
 * <p>The backend call runs on the request's own worker. A watchdog answers FAIL at the deadline and
 * closes the connection if the call has not returned, so a stalled hypervisor never makes a client wait
 * past the deadline; the stuck worker is interrupted and its late result discarded.
 */
public final class RequestDispatcher implements AutoCloseable {
    /** fence_virtd gives each challenge/response step 10 s. */
    public static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);

    private final FenceBackend backend;
    private final Duration requestTimeout;
    /** How often the watchdog looks for requests past their deadline. */
    private static final long WATCH_INTERVAL_MS = 50;

    private final Set<Deadline> inFlight = ConcurrentHashMap.newKeySet();
    private final Thread watchdog;
    private volatile boolean closed;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();

    public RequestDispatcher(FenceBackend backend, Duration requestTimeout) {
        this.backend = backend;
        this.requestTimeout = requestTimeout;
        // A polling watchdog: arming a deadline is a set insert, with no thread to wake per request.
        this.watchdog = new Thread(this::watch, "fence-deadline");
        this.watchdog.setDaemon(true);
        this.watchdog.start();
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Deadline d : inFlight) {
                if (now - d.due >= 0) {
                    d.expire();
                }
            }
        }
    }

    public FenceBackend backend() {
        return backend;
    }

    /** Counters for status output and tests. */
    public record Stats(long served, long authFailures, long denied, long timedOut) {
    }

    public Stats stats() {
        return new Stats(served.get(), authFailures.get(), denied.get(), timedOut.get());
    }

    /** Turns the result bytes into what goes on the wire (the hardened scheme appends their MAC). */
    private interface Seal {
        byte[] apply(byte[] result);
    }

    /**
     * Runs the conversation after an authenticated request: the mutual challenge/response of its scheme,
     * then the operation. Returns the response sent, or null when the conversation ended before one.
     */
    public ResponseCode serve(String listener, FenceRequest req, String source, StreamSession s, Credentials creds,
                              AccessMap scope) throws IOException {
        long started = System.nanoTime();
        Seal seal = req.hashTypeByte() == HardenedAuth.HASH_TYPE
                ? hardenedHandshake(listener, req, source, s, creds)
                : legacyHandshake(listener, req, source, s, creds);
        if (seal == null) {
            return null;
        }
        RequestCode code = req.request();
        if (code == null) {
            Logger.warn("{} {}: unknown request code {} for '{}'; answering FAIL", listener, source,
                    req.requestByte(), req.domain());
            return reply(s, seal.apply(new byte[] {ResponseCode.FAIL.byteValue()}), ResponseCode.FAIL, listener,
                    source, req, started, "");
        }
        Deadline deadline = new Deadline(listener, source, req, s, seal);
        try {
            if (code == RequestCode.HOSTLIST) {
                List<HostState> hosts = scope.filter(source, backend.hostlist());
                ByteArrayOutputStream out = new ByteArrayOutputStream(2 + (hosts.size() + 1) * HostState.SIZE);
                out.write(ResponseCode.HOSTLIST.code());
                for (HostState h : hosts) {
                    out.writeBytes(h.encode());
                }
                out.writeBytes(HostState.TERMINATOR);
                out.write(ResponseCode.SUCCESS.code());
                return deadline.finish(() -> reply(s, seal.apply(out.toByteArray()), ResponseCode.SUCCESS, listener,
                        source, req, started, " (" + hosts.size() + " domains)"));
            }
            ResponseCode result = operate(listener, code, req, source, scope);
            return deadline.finish(() -> reply(s, seal.apply(new byte[] {result.byteValue()}), result, listener,
                    source, req, started, ""));
        } catch (BackendException | RuntimeException e) {
            Logger.error("{} {}: {} of '{}' failed: {}", listener, source, code.action(), req.domain(), e.getMessage());
            return deadline.finish(() -> reply(s, seal.apply(new byte[] {ResponseCode.FAIL.byteValue()}),
                    ResponseCode.FAIL, listener, source, req, started, ""));
        } finally {
            deadline.cancel();
            // A worker the watchdog interrupted must not carry the flag into its next request.
            Thread.interrupted();
        }
    }

    /** fence_virt's exchange: the client challenges first, then the gateway; results travel bare. */
    private Seal legacyHandshake(String listener, FenceRequest req, String source, StreamSession s, Credentials c)
            throws IOException {
        HashType auth = c.legacyAuth();
        if (auth != HashType.NONE) {
            s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
            byte[] theirChallenge = s.readFully(LegacyAuth.CHALLENGE_SIZE);
            byte[] ours = LegacyAuth.newChallenge();
            s.write(concat(LegacyAuth.response(auth, c.key(), theirChallenge), ours));
            s.flush();
            s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
            byte[] answer = s.readFully(LegacyAuth.CHALLENGE_SIZE);
            if (!LegacyAuth.checkResponse(auth, c.key(), ours, answer)) {
                authFailures.incrementAndGet();
                Logger.warn("{} {}: challenge answered wrongly (wrong key or auth {} mismatch); dropped {}",
                        listener, source, auth.configName(), req);
                return null;
            }
        }
        return result -> result;
    }

    /** The hardened exchange: proofs bound to the request's MAC, and a MAC over the result. */
    private Seal hardenedHandshake(String listener, FenceRequest req, String source, StreamSession s, Credentials c)
            throws IOException {
        byte[] requestMac = HardenedAuth.requestMac(req);
        s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
        byte[] cc = s.readFully(HardenedAuth.CHALLENGE_SIZE);
        byte[] cs = HardenedAuth.newChallenge();
        s.write(concat(HardenedAuth.serverProof(c.hardened(), requestMac, cc), cs));
        s.flush();
        s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
        byte[] proof = s.readFully(HardenedAuth.MAC_SIZE);
        if (!HardenedAuth.equal(proof, HardenedAuth.clientProof(c.hardened(), requestMac, cs))) {
            authFailures.incrementAndGet();
            Logger.warn("{} {}: hardened challenge answered wrongly (the caller does not hold the key); dropped {}",
                    listener, source, req);
            return null;
        }
        return result -> concat(result, HardenedAuth.resultMac(c.hardened(), requestMac, cc, cs, result));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The answer to a request whose listener frames it itself (serial, vmchannel). */
    public record Outcome(ResponseCode code, List<HostState> hosts) {
    }

    private final java.util.concurrent.ThreadPoolExecutor framedCalls = new java.util.concurrent.ThreadPoolExecutor(
            0, 64, 30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "fence-framed-call");
                t.setDaemon(true);
                return t;
            });

    /**
     * Runs one already-admitted request for a listener that frames its own answers, with the same access
     * rule and deadline as every other request: past the deadline the answer is FAIL.
     */
    public Outcome execute(String listener, FenceRequest req, String source, AccessMap scope) {
        long started = System.nanoTime();
        RequestCode code = req.request();
        java.util.concurrent.Future<Outcome> f;
        try {
            f = framedCalls.submit(() -> code == RequestCode.HOSTLIST
                    ? new Outcome(ResponseCode.SUCCESS, scope.filter(source, backend.hostlist()))
                    : new Outcome(operate(listener, code, req, source, scope), List.of()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Logger.error("{} {}: {} of '{}' refused: every worker waits on the hypervisor", listener, source,
                    code.action(), req.domain());
            return new Outcome(ResponseCode.FAIL, List.of());
        }
        Outcome o;
        try {
            o = f.get(requestTimeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            timedOut.incrementAndGet();
            Logger.error("{} {}: {} of '{}' failed: the hypervisor did not answer within {} s", listener, source,
                    code.action(), req.domain(), requestTimeout.toSeconds());
            o = new Outcome(ResponseCode.FAIL, List.of());
        } catch (java.util.concurrent.ExecutionException e) {
            Logger.error("{} {}: {} of '{}' failed: {}", listener, source, code.action(), req.domain(),
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
            o = new Outcome(ResponseCode.FAIL, List.of());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            o = new Outcome(ResponseCode.FAIL, List.of());
        }
        served.incrementAndGet();
        String detail = code == RequestCode.HOSTLIST ? " (" + o.hosts().size() + " domains)" : "";
        if (code.changesPower() || o.code() != ResponseCode.SUCCESS && o.code() != ResponseCode.OFF) {
            Logger.info("{} {}: {} '{}' -> {}{} (stock frame, {} ms)", listener, source, code.action(), req.domain(),
                    o.code(), detail, ms(started));
        } else if (Logger.isDebugEnabled()) {
            Logger.debug("{} {}: {} '{}' -> {}{} (stock frame, {} ms)", listener, source, code.action(), req.domain(),
                    o.code(), detail, ms(started));
        }
        return o;
    }

    private ResponseCode operate(String listener, RequestCode code, FenceRequest req, String source, AccessMap access)
            throws BackendException {
        switch (code) {
            case NULL:
                return backend.nullOp(req.domain());
            case DEVSTATUS:
                return backend.devstatus();
            default:
                break;
        }
        if (!access.isOpen()) {
            HostState target = backend.describe(req.domain()).orElse(new HostState(req.domain(), req.domain(), 0));
            AccessMap.Decision d = access.check(source, target);
            if (!d.allowed()) {
                denied.incrementAndGet();
                Logger.warn("{} {}: permission denied for {} of '{}': {}", listener, source, code.action(),
                        req.domain(), d.rule());
                return ResponseCode.PERM;
            }
        }
        return switch (code) {
            case STATUS -> backend.status(req.domain());
            case OFF -> backend.off(req.domain(), source, req.seqno());
            case ON -> backend.on(req.domain(), source, req.seqno());
            case REBOOT -> backend.reboot(req.domain(), source, req.seqno());
            default -> throw new IllegalStateException(code.toString());
        };
    }

    private interface Reply {
        ResponseCode send() throws IOException;
    }

    /**
     * The request's deadline: whoever comes first, the worker with its result or the watchdog at the
     * deadline, answers; the other stays silent.
     */
    private final class Deadline {
        private final AtomicBoolean answered = new AtomicBoolean();
        private final long due;
        private final Thread worker;
        private final String listener;
        private final String source;
        private final FenceRequest req;
        private final StreamSession s;
        private final Seal seal;

        Deadline(String listener, String source, FenceRequest req, StreamSession s, Seal seal) {
            this.seal = seal;
            this.listener = listener;
            this.source = source;
            this.req = req;
            this.s = s;
            this.worker = Thread.currentThread();
            this.due = System.nanoTime() + requestTimeout.toNanos();
            inFlight.add(this);
        }

        void expire() {
            inFlight.remove(this);
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            timedOut.incrementAndGet();
            RequestCode c = req.request();
            Logger.error("{} {}: {} of '{}' failed: the hypervisor did not answer within {} s", listener, source,
                    c == null ? "request" : c.action(), req.domain(), requestTimeout.toSeconds());
            try {
                s.write(seal.apply(new byte[] {ResponseCode.FAIL.byteValue()}));
                s.flush();
            } catch (IOException gone) {
                // the client left already
            } finally {
                s.close();
                worker.interrupt();
            }
        }

        ResponseCode finish(Reply reply) throws IOException {
            inFlight.remove(this);
            if (!answered.compareAndSet(false, true)) {
                Logger.warn("late backend result discarded: the client was already answered FAIL at the deadline");
                return ResponseCode.FAIL;
            }
            return reply.send();
        }

        void cancel() {
            inFlight.remove(this);
        }
    }

    private ResponseCode reply(StreamSession s, byte[] bytes, ResponseCode r, String listener, String source,
                               FenceRequest req, long started, String detail) throws IOException {
        s.write(bytes);
        s.flush();
        served.incrementAndGet();
        RequestCode c = req.request();
        if (c != null && c.changesPower() || r != ResponseCode.SUCCESS && r != ResponseCode.OFF) {
            // Power actions and failures are what an operator reads the log for.
            Logger.info("{} {}: {} '{}' -> {}{} ({}, {} ms)", listener, source, actionName(req), req.domain(), r,
                    detail, scheme(req), ms(started));
        } else if (Logger.isDebugEnabled()) {
            Logger.debug("{} {}: {} '{}' -> {}{} ({}, {} ms)", listener, source, actionName(req), req.domain(), r,
                    detail, scheme(req), ms(started));
        }
        return r;
    }

    private static String scheme(FenceRequest req) {
        return req.hashTypeByte() == HardenedAuth.HASH_TYPE ? "hardened" : "legacy";
    }

    private static String actionName(FenceRequest req) {
        RequestCode c = req.request();
        return c == null ? "request " + req.requestByte() : c.action();
    }

    private static String ms(long started) {
        return String.format("%.1f", (System.nanoTime() - started) / 1e6);
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
        framedCalls.shutdownNow();
    }
}
