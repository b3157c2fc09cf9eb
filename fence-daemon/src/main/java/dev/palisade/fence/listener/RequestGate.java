package dev.palisade.fence.listener;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.WireFormatException;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Step one of every listener: decode the bytes, verify the signature against the listener's key and
 * minimum hash, and drop duplicates. Each rejection is counted and logged with its own reason.
 */
public final class RequestGate {
    private final String listener;
    private final FenceKey key;
    private final HashType minimumHash;
    private final RequestHistory history = new RequestHistory();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();

    public RequestGate(String listener, FenceKey key, HashType minimumHash) {
        this.listener = listener;
        this.key = key;
        this.minimumHash = minimumHash;
    }

    public RequestHistory history() {
        return history;
    }

    /** Counters of dropped input, for status output and tests. */
    public record Drops(long malformed, long rejected, long duplicates) {
    }

    public Drops drops() {
        return new Drops(malformed.get(), rejected.get(), duplicates.get());
    }

    /** Returns the verified, first-seen request, or null when it must be dropped (already logged). */
    public FenceRequest admit(byte[] bytes, String from) {
        FenceRequest req;
        try {
            req = FenceRequest.decode(bytes);
        } catch (WireFormatException e) {
            malformed.incrementAndGet();
            Logger.warn("{} {}: malformed request dropped: {}", listener, from, e.getMessage());
            return null;
        }
        LegacyAuth.Verdict v = LegacyAuth.verify(req, minimumHash, key);
        if (v != LegacyAuth.Verdict.OK) {
            rejected.incrementAndGet();
            Logger.warn("{} {}: request dropped: {} ({})", listener, from, reason(v, req), req);
            return null;
        }
        if (!history.claim(req.requestByte(), req.seqno(), req.domain())) {
            duplicates.incrementAndGet();
            Logger.debug("{} {}: duplicate of a request handled in the last 10 s dropped ({})", listener, from, req);
            return null;
        }
        return req;
    }

    private String reason(LegacyAuth.Verdict v, FenceRequest req) {
        return switch (v) {
            case UNKNOWN_HASH -> "unknown hash type " + req.hashTypeByte();
            case WEAKER_THAN_REQUIRED -> "signed with " + (req.hashType() == HashType.NONE ? "no hash"
                    : req.hashType().configName()) + ", weaker than the required " + minimumHash.configName();
            case MISMATCH -> "signature does not match key sha256:" + key.fingerprint() + " (wrong key?)";
            case EMPTY_KEY -> "the listener's key is empty";
            case OK -> "ok";
        };
    }
}
