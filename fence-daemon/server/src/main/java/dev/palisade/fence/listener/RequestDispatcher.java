package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.stream.StreamSession;
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

    /**
     * Where a conversation's answer goes: a stream written in place, or a non-blocking connection that
     * finishes the write on its event loop. Either may be called from the request's worker or, at the
     * deadline, from the watchdog.
     */
    public interface Responder {
        /** Sends the bytes (all of them, now or soon). */
        void send(byte[] bytes) throws IOException;

        /** Closes the conversation once what was sent has gone out. */
        void close();
    }

    /**
     * The challenge/response of an authenticated request, one step at a time and without I/O of its own:
     * {@link #want()} says how many bytes to read next, {@link #take(byte[])} answers them. Blocking streams
     * and the TCP event loop drive the same steps.
     */
    public final class Handshake {
        private final String listener;
        private final FenceRequest req;
        private final String source;
        private final Credentials creds;
        private final boolean hardened;
        private final HashType auth;
        private final byte[] requestMac;
        private byte[] theirChallenge;
        private byte[] ourChallenge;
        private int step;

        private Handshake(String listener, FenceRequest req, String source, Credentials creds) {
            this.listener = listener;
            this.req = req;
            this.source = source;
            this.creds = creds;
            this.hardened = req.hashTypeByte() == HardenedAuth.HASH_TYPE;
            this.auth = hardened ? null : creds.legacyAuth();
            this.requestMac = hardened ? HardenedAuth.requestMac(req) : null;
            // fence_virt's exchange is skipped entirely with auth none; the hardened one never is
            this.step = !hardened && auth == HashType.NONE ? 2 : 0;
        }

        public FenceRequest request() {
            return req;
        }

        /** Bytes to read next: the caller's challenge, then its answer to ours; 0 once authenticated. */
        public int want() {
            return switch (step) {
                case 0 -> hardened ? HardenedAuth.CHALLENGE_SIZE : LegacyAuth.CHALLENGE_SIZE;
                case 1 -> hardened ? HardenedAuth.MAC_SIZE : LegacyAuth.CHALLENGE_SIZE;
                default -> 0;
            };
        }

        /**
         * Takes the bytes {@link #want()} asked for. Returns what to send back (empty when nothing), or
         * null when the caller failed our challenge (counted and logged; drop the connection).
         */
        public byte[] take(byte[] in) {
            if (step == 0) {
                // the client challenges first; we answer it and challenge back in one write
                theirChallenge = in;
                step = 1;
                if (hardened) {
                    ourChallenge = HardenedAuth.newChallenge();
                    return concat(HardenedAuth.serverProof(creds.hardened(), requestMac, in), ourChallenge);
                }
                ourChallenge = LegacyAuth.newChallenge();
                return concat(LegacyAuth.response(auth, creds.key(), in), ourChallenge);
            }
            if (step != 1) {
                throw new IllegalStateException("handshake already complete");
            }
            step = 2;
            boolean ok = hardened
                    ? HardenedAuth.equal(in, HardenedAuth.clientProof(creds.hardened(), requestMac, ourChallenge))
                    : LegacyAuth.checkResponse(auth, creds.key(), ourChallenge, in);
            if (ok) {
                return new byte[0];
            }
            authFailures.incrementAndGet();
            if (hardened) {
                Logger.warn("{} {}: hardened challenge answered wrongly (the caller does not hold the key); dropped {}",
                        listener, source, req);
            } else {
                Logger.warn("{} {}: challenge answered wrongly (wrong key or auth {} mismatch); dropped {}",
                        listener, source, auth.configName(), req);
            }
            return null;
        }

        /** What goes on the wire for the result bytes (the hardened scheme appends their MAC). */
        byte[] seal(byte[] result) {
            return hardened ? concat(result, HardenedAuth.resultMac(creds.hardened(), requestMac, theirChallenge,
                    ourChallenge, result)) : result;
        }
    }

    /** Starts the challenge/response of a request the listener's gate admitted. */
    public Handshake handshake(String listener, FenceRequest req, String source, Credentials creds) {
        return new Handshake(listener, req, source, creds);
    }

    /**
     * Runs the conversation after an authenticated request on a blocking stream: the mutual
     * challenge/response of its scheme, then the operation. Returns the response sent, or null when the
     * conversation ended before one.
     */
    public ResponseCode serve(String listener, FenceRequest req, String source, StreamSession s, Credentials creds,
                              AccessMap scope) throws IOException {
        long started = System.nanoTime();
        Handshake hs = handshake(listener, req, source, creds);
        while (hs.want() > 0) {
            s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
            byte[] out = hs.take(s.readFully(hs.want()));
            if (out == null) {
                return null;
            }
            if (out.length > 0) {
                s.send(out);
            }
        }
        return answer(listener, hs, source, new Responder() {
            @Override
            public void send(byte[] bytes) throws IOException {
                s.send(bytes);
            }

            @Override
            public void close() {
                s.close();
            }
        }, scope, started);
    }

    /**
     * The operation of an authenticated request, run on the calling thread under the request deadline,
     * and its answer: the result byte or the host-list stream. At the deadline the watchdog answers FAIL
     * through {@code r} and closes it; the late result is discarded.
     */
    public ResponseCode answer(String listener, Handshake hs, String source, Responder r, AccessMap scope,
                               long started) throws IOException {
        FenceRequest req = hs.request();
        RequestCode code = req.request();
        Reply fail = () -> reply(r, hs.seal(new byte[] {ResponseCode.FAIL.byteValue()}), ResponseCode.FAIL, listener,
                source, req, started, "");
        if (code == null) {
            Logger.warn("{} {}: unknown request code {} for '{}'; answering FAIL", listener, source,
                    req.requestByte(), req.domain());
            return fail.send();
        }
        Deadline deadline = new Deadline(listener, source, req, r, hs);
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
                return deadline.finish(() -> reply(r, hs.seal(out.toByteArray()), ResponseCode.SUCCESS, listener,
                        source, req, started, " (" + hosts.size() + " domains)"));
            }
            ResponseCode result = operate(listener, code, req, source, scope);
            return deadline.finish(() -> reply(r, hs.seal(new byte[] {result.byteValue()}), result, listener,
                    source, req, started, ""));
        } catch (BackendException | RuntimeException e) {
            Logger.error("{} {}: {} of '{}' failed: {}", listener, source, code.action(), req.domain(), e.getMessage());
            return deadline.finish(fail);
        } catch (Error e) {
            // JNA reports a crash inside the hypervisor library as an Error: the request fails, the gateway stays
            Logger.error(e, "{} {}: {} of '{}' failed inside the hypervisor library", listener, source, code.action(),
                    req.domain());
            return deadline.finish(fail);
        } finally {
            deadline.cancel();
            // A worker the watchdog interrupted must not carry the flag into its next request.
            Thread.interrupted();
        }
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
        /** The thread making the call, until the call is over; guarded by this deadline's lock. */
        private Thread worker;
        private final String listener;
        private final String source;
        private final FenceRequest req;
        private final Responder s;
        private final Handshake hs;

        Deadline(String listener, String source, FenceRequest req, Responder s, Handshake hs) {
            this.hs = hs;
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
                s.send(hs.seal(new byte[] {ResponseCode.FAIL.byteValue()}));
            } catch (IOException gone) {
                // the client left already
            } finally {
                s.close();
                // only while the call runs: once it is over, the thread has moved on to other work
                synchronized (this) {
                    if (worker != null) {
                        worker.interrupt();
                    }
                }
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

        /** The call is over (the caller clears its interrupt flag next). */
        void cancel() {
            inFlight.remove(this);
            synchronized (this) {
                worker = null;
            }
        }
    }

    private ResponseCode reply(Responder s, byte[] bytes, ResponseCode r, String listener, String source,
                               FenceRequest req, long started, String detail) throws IOException {
        s.send(bytes);
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
