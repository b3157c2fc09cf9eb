package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.auth.FenceKey;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The part every stream-based listener shares once a request is decoded and its signature verified:
 * challenge/response in the stock order (the client challenges first), the access check, the backend call
 * under a deadline, and the result byte or host-list stream.
 *
 * <p>Backend calls run on their own bounded pool: when the hypervisor stalls, the request is answered
 * FAIL at its deadline and the stuck call is left behind, so no listener and no other request waits.
 */
public final class RequestDispatcher {
    /** fence_virtd gives each challenge/response step 10 s. */
    public static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);

    private final FenceBackend backend;
    private final AccessMap access;
    private final Duration requestTimeout;
    private final ThreadPoolExecutor backendPool;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();

    public RequestDispatcher(FenceBackend backend, AccessMap access, Duration requestTimeout,
                             ThreadPoolExecutor backendPool) {
        this.backend = backend;
        this.access = access;
        this.requestTimeout = requestTimeout;
        this.backendPool = backendPool;
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

    /** Counts a rejected request from a listener's decode/verify step. */
    public void countAuthFailure() {
        authFailures.incrementAndGet();
    }

    /**
     * Runs the conversation after a verified request: mutual challenge/response, then the operation.
     * Returns the response sent, or null when the conversation ended before a response.
     */
    public ResponseCode serve(String listener, FenceRequest req, String source, StreamSession s, HashType auth,
                              FenceKey key) throws IOException {
        long started = System.nanoTime();
        if (auth != HashType.NONE) {
            s.deadline(System.nanoTime() + AUTH_TIMEOUT.toNanos());
            byte[] theirChallenge = s.readFully(LegacyAuth.CHALLENGE_SIZE);
            s.write(LegacyAuth.response(auth, key, theirChallenge));
            s.flush();
            byte[] ours = LegacyAuth.newChallenge();
            s.write(ours);
            s.flush();
            byte[] answer = s.readFully(LegacyAuth.CHALLENGE_SIZE);
            if (!LegacyAuth.checkResponse(auth, key, ours, answer)) {
                authFailures.incrementAndGet();
                Logger.warn("{} {}: challenge answered wrongly (wrong key or auth {} mismatch); dropped {}",
                        listener, source, auth.configName(), req);
                return null;
            }
        }
        s.deadline(System.nanoTime() + requestTimeout.toNanos() + AUTH_TIMEOUT.toNanos());
        RequestCode code = req.request();
        if (code == null) {
            Logger.warn("{} {}: unknown request code {} for '{}'; answering FAIL", listener, source,
                    req.requestByte(), req.domain());
            return reply(s, ResponseCode.FAIL, listener, source, req, started);
        }
        if (code == RequestCode.HOSTLIST) {
            return hostlist(listener, req, source, s, started);
        }
        ResponseCode result = withDeadline(listener, source, req, () -> operate(listener, code, req, source),
                ResponseCode.FAIL);
        return reply(s, result, listener, source, req, started);
    }

    private ResponseCode operate(String listener, RequestCode code, FenceRequest req, String source)
            throws BackendException {
        switch (code) {
            case NULL:
                return backend.nullOp(req.domain());
            case DEVSTATUS:
                return backend.devstatus();
            default:
                break;
        }
        HostState target = backend.describe(req.domain())
                .orElse(new HostState(req.domain(), req.domain(), 0));
        AccessMap.Decision d = access.check(source, target);
        if (!d.allowed()) {
            denied.incrementAndGet();
            Logger.warn("{} {}: permission denied for {} of '{}': {}", listener, source, code.action(),
                    req.domain(), d.rule());
            return ResponseCode.PERM;
        }
        return switch (code) {
            case STATUS -> backend.status(req.domain());
            case OFF -> backend.off(req.domain(), source, req.seqno());
            case ON -> backend.on(req.domain(), source, req.seqno());
            case REBOOT -> backend.reboot(req.domain(), source, req.seqno());
            default -> throw new IllegalStateException(code.toString());
        };
    }

    private ResponseCode hostlist(String listener, FenceRequest req, String source, StreamSession s, long started)
            throws IOException {
        Optional<List<HostState>> hosts = Optional.ofNullable(withDeadline(listener, source, req,
                () -> access.filter(source, backend.hostlist()), null));
        if (hosts.isEmpty()) {
            return reply(s, ResponseCode.FAIL, listener, source, req, started);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(2 + (hosts.get().size() + 1) * HostState.SIZE);
        out.write(ResponseCode.HOSTLIST.code());
        for (HostState h : hosts.get()) {
            out.writeBytes(h.encode());
        }
        out.writeBytes(HostState.TERMINATOR);
        out.write(ResponseCode.SUCCESS.code());
        s.write(out.toByteArray());
        s.flush();
        served.incrementAndGet();
        Logger.info("{} {}: list -> {} domains ({} ms)", listener, source, hosts.get().size(),
                ms(started));
        return ResponseCode.SUCCESS;
    }

    /** Runs a backend call on the backend pool; a call that fails or misses the deadline yields {@code failed}. */
    private <T> T withDeadline(String listener, String source, FenceRequest req, Callable<T> call, T failed) {
        Future<T> f;
        try {
            f = backendPool.submit(call);
        } catch (RejectedExecutionException e) {
            Logger.error("{} {}: {} of '{}' refused: all {} backend workers are waiting on the hypervisor",
                    listener, source, actionName(req), req.domain(), backendPool.getMaximumPoolSize());
            return failed;
        }
        try {
            return f.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            timedOut.incrementAndGet();
            Logger.error("{} {}: {} of '{}' failed: the hypervisor did not answer within {} s", listener, source,
                    actionName(req), req.domain(), requestTimeout.toSeconds());
            return failed;
        } catch (ExecutionException e) {
            Logger.error("{} {}: {} of '{}' failed: {}", listener, source, actionName(req), req.domain(),
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
            return failed;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return failed;
        }
    }

    private ResponseCode reply(StreamSession s, ResponseCode r, String listener, String source, FenceRequest req,
                               long started) throws IOException {
        s.write(new byte[] {r.byteValue()});
        s.flush();
        served.incrementAndGet();
        Logger.info("{} {}: {} '{}' -> {} ({} ms)", listener, source, actionName(req), req.domain(), r, ms(started));
        return r;
    }

    private static String actionName(FenceRequest req) {
        RequestCode c = req.request();
        return c == null ? "request " + req.requestByte() : c.action();
    }

    private static String ms(long started) {
        return String.format("%.1f", (System.nanoTime() - started) / 1e6);
    }
}
