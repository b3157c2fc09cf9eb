package dev.palisade.fence.runner;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.backend.BackendException;
import dev.palisade.fence.backend.FenceBackend;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The operation of an authenticated request, as it runs on a request worker: the access check of the
 * caller's scope (fence_virtd's {@code groups}: one rule for the list and for every action), then the backend
 * call. It may block on the hypervisor; {@link RequestRunner} keeps its deadline.
 */
public final class FenceOperation {
    private final FenceBackend backend;
    private final AtomicLong denied = new AtomicLong();

    public FenceOperation(FenceBackend backend) {
        this.backend = backend;
    }

    public FenceBackend backend() {
        return backend;
    }

    /** Requests refused by an access rule so far. */
    public long denied() {
        return denied.get();
    }

    /**
     * Runs the request (its code must be known) for {@code source}. {@code where} names the listener and
     * caller in the log. The answer may be {@link ResponseCode#UNKNOWN_DOMAIN}; the listener says it the way
     * the request's scheme can.
     */
    public Outcome run(Supplier<String> where, FenceRequest req, String source, AccessMap scope)
            throws BackendException {
        RequestCode code = req.request();
        String domain = req.domain();
        switch (code) {
            case NULL:
                return Outcome.of(backend.nullOp(domain));
            case DEVSTATUS:
                return Outcome.of(backend.devstatus());
            case HOSTLIST:
                return new Outcome(ResponseCode.SUCCESS, scope.filter(source, backend.hostlist()));
            default:
                break;
        }
        if (!scope.isOpen()) {
            HostState target = backend.describe(domain).orElse(new HostState(domain, domain, 0));
            AccessMap.Decision d = scope.check(source, target);
            if (!d.allowed()) {
                denied.incrementAndGet();
                Logger.warn("{}: permission denied for {} of '{}': {}", where.get(), code.action(), domain, d.rule());
                return Outcome.DENIED;
            }
        }
        return Outcome.of(switch (code) {
            case STATUS -> backend.status(domain);
            case OFF -> backend.off(domain, source, req.seqno());
            case ON -> backend.on(domain, source, req.seqno());
            case REBOOT -> backend.reboot(domain, source, req.seqno());
            default -> throw new IllegalStateException(code.toString());
        });
    }
}
