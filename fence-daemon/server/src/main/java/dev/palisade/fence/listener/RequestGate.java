package dev.palisade.fence.listener;

import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.metrics.GatewayMetrics;
import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.WireFormatException;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Step one of every listener: decode the bytes, authenticate them by the listener's policy (legacy,
 * hardened or both), and drop duplicates. Each rejection is counted and logged with its own reason. Every
 * well-formed request is authenticated whatever its source's history: only the logging of a source that keeps
 * failing is limited ({@link FailureLog}). Every drop is also counted under its {@link Rejection reason} in the
 * gateway's metrics.
 */
public final class RequestGate {
    private final String listener;
    private final Credentials credentials;
    private final RequestHistory history = new RequestHistory();
    private final FailureLog failures;
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong challengeFailures = new AtomicLong();
    private final GatewayMetrics metrics;

    /** A gate that counts into metrics of its own (a gate outside a gateway: tests, fuzzing). */
    public RequestGate(String listener, Credentials credentials) {
        this(listener, credentials, new GatewayMetrics());
    }

    public RequestGate(String listener, Credentials credentials, GatewayMetrics metrics) {
        this.listener = listener;
        this.credentials = credentials;
        this.failures = new FailureLog(listener);
        this.metrics = metrics;
    }

    /** The listener's name, as its log lines start. */
    public String listener() {
        return listener;
    }

    public RequestHistory history() {
        return history;
    }

    public Credentials credentials() {
        return credentials;
    }

    /** Counters of dropped input, for status output and tests. */
    public record Drops(long malformed, long rejected, long duplicates, long challengeFailures) {
    }

    public Drops drops() {
        return new Drops(malformed.get(), rejected.get(), duplicates.get(), challengeFailures.get());
    }

    /** Returns the authenticated, first-seen request, or null when it must be dropped (already logged). */
    public FenceRequest admit(byte[] bytes, String from) {
        FenceRequest req;
        try {
            req = FenceRequest.decode(bytes);
        } catch (WireFormatException e) {
            malformed.incrementAndGet();
            metrics.rejected(listener, Rejection.MALFORMED);
            if (failures.failed(from)) {
                Logger.warn("{} {}: malformed request dropped: {}", listener, from, e.getMessage());
            }
            return null;
        }
        Refusal problem = authenticate(req);
        if (problem != null) {
            rejected.incrementAndGet();
            metrics.rejected(listener, problem.reason());
            if (failures.failed(from)) {
                Logger.warn("{} {}: request dropped: {} ({})", listener, from, problem.why(), req);
            }
            return null;
        }
        if (!history.claim(req.requestByte(), req.seqno(), req.domain())) {
            duplicates.incrementAndGet();
            metrics.rejected(listener, Rejection.DUPLICATE);
            Logger.debug("{} {}: duplicate of a request handled in the last 10 s dropped ({})", listener, from, req);
            return null;
        }
        return req;
    }

    /**
     * The caller failed the challenge after a request that verified: it does not hold the key (or the
     * listener's {@code auth} differs from the client's {@code -C}). Counted and logged like a rejection.
     */
    public void challengeFailed(String from, String why, FenceRequest req) {
        challengeFailures.incrementAndGet();
        metrics.rejected(listener, Rejection.CHALLENGE_FAILED);
        if (failures.failed(from)) {
            Logger.warn("{} {}: {}; dropped {}", listener, from, why, req);
        }
    }

    /** Counts and logs a malformed frame of a listener that frames requests itself (serial). */
    public void malformed(String from, String why) {
        malformed.incrementAndGet();
        metrics.rejected(listener, Rejection.MALFORMED);
        if (failures.failed(from)) {
            Logger.warn("{} {}: {}", listener, from, why);
        }
    }

    /** Why a request is not authentic: the counted reason and the logged words. */
    private record Refusal(Rejection reason, String why) {
        static Refusal auth(String why) {
            return new Refusal(Rejection.AUTH, why);
        }
    }

    /** Null when the request is authentic under this listener's policy, else why not. */
    private Refusal authenticate(FenceRequest req) {
        if (req.hashTypeByte() == HardenedAuth.HASH_TYPE) {
            if (!credentials.policy().acceptsHardened()) {
                return Refusal.auth("hardened request to a listener configured for legacy auth only (set auth = \"both\")");
            }
            long now = System.currentTimeMillis();
            HardenedAuth.Verdict v = HardenedAuth.verify(req, credentials.hardened(), now, credentials.skew(),
                    credentials.replays(), System.nanoTime());
            return switch (v) {
                case OK -> null;
                case WRONG_KEY -> Refusal.auth("hardened request made with another key (wrong key; ours is sha256:"
                        + credentials.key().fingerprint() + ")");
                case TAMPERED -> Refusal.auth("hardened request failed its MAC: changed after signing (tampered)");
                case STALE -> new Refusal(Rejection.STALE, "hardened request timestamp is "
                        + (now - HardenedAuth.timestamp(req)) / 1000 + " s off, outside the +-"
                        + credentials.skew().toSeconds() + " s window (stale or clock skew)");
                case REPLAYED -> new Refusal(Rejection.REPLAY, "hardened request nonce seen before: a replayed request");
                case NOT_HARDENED -> Refusal.auth("not a hardened request");
            };
        }
        if (!credentials.policy().acceptsLegacy()) {
            return Refusal.auth("legacy (stock fence_virt) request refused: this listener requires hardened auth");
        }
        LegacyAuth.Verdict v = LegacyAuth.verify(req, credentials.legacyMinimumHash(), credentials.key());
        return switch (v) {
            case OK -> null;
            case UNKNOWN_HASH -> Refusal.auth("unknown hash type " + req.hashTypeByte());
            case WEAKER_THAN_REQUIRED -> Refusal.auth("signed with " + (req.hashType() == HashType.NONE ? "no hash"
                    : req.hashType().configName()) + ", weaker than the required "
                    + credentials.legacyMinimumHash().configName());
            case MISMATCH -> Refusal.auth("signature does not match key sha256:" + credentials.key().fingerprint()
                    + " (wrong key?)");
            case EMPTY_KEY -> Refusal.auth("the listener's key is empty");
        };
    }
}
