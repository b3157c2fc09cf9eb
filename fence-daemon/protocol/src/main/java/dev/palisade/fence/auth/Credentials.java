package dev.palisade.fence.auth;

import dev.palisade.fence.wire.HashType;
import java.time.Duration;

/**
 * Everything a listener needs to authenticate its callers: the key, the policy, the legacy minimum hash and
 * challenge hash, and for the hardened scheme its derived keys, skew window and replay cache.
 */
public final class Credentials {
    private final FenceKey key;
    private final AuthPolicy policy;
    private final HashType legacyMinimumHash;
    private final HashType legacyAuth;
    private final HardenedKeys hardened;
    private final Duration skew;
    private final ReplayCache replays;

    public Credentials(FenceKey key, AuthPolicy policy, HashType legacyMinimumHash, HashType legacyAuth, Duration skew) {
        this.key = key;
        this.policy = policy;
        this.legacyMinimumHash = legacyMinimumHash;
        this.legacyAuth = legacyAuth;
        this.hardened = HardenedKeys.derive(key);
        this.skew = skew;
        this.replays = new ReplayCache(2 * skew.toNanos(), ReplayCache.DEFAULT_CAPACITY);
    }

    /** Legacy-only credentials, as a stock fence_virt.conf listener has. */
    public static Credentials legacy(FenceKey key, HashType minimumHash, HashType auth) {
        return new Credentials(key, AuthPolicy.LEGACY, minimumHash, auth, HardenedAuth.DEFAULT_SKEW);
    }

    public FenceKey key() {
        return key;
    }

    public AuthPolicy policy() {
        return policy;
    }

    public HashType legacyMinimumHash() {
        return legacyMinimumHash;
    }

    public HashType legacyAuth() {
        return legacyAuth;
    }

    public HardenedKeys hardened() {
        return hardened;
    }

    public Duration skew() {
        return skew;
    }

    public ReplayCache replays() {
        return replays;
    }

    public String describe() {
        return switch (policy) {
            case LEGACY -> "legacy (hash >= " + legacyMinimumHash.configName() + ", auth " + legacyAuth.configName() + ")";
            case HARDENED -> "hardened (skew " + skew.toSeconds() + " s)";
            case BOTH -> "hardened (skew " + skew.toSeconds() + " s) and legacy (hash >= "
                    + legacyMinimumHash.configName() + ", auth " + legacyAuth.configName() + ")";
        } + ", key sha256:" + key.fingerprint();
    }
}
