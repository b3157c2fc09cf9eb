package dev.palisade.fence.auth;

/** Which authentication a listener accepts ({@code auth} in its section; docs/hardened-auth.md). */
public enum AuthPolicy {
    /** Stock fence_virt authentication only (what an existing fence_virt.conf gets). */
    LEGACY,
    /** Palisade's hardened scheme only; stock clients are refused. */
    HARDENED,
    /** Either, chosen per request by its hash-type byte. */
    BOTH;

    public boolean acceptsLegacy() {
        return this != HARDENED;
    }

    public boolean acceptsHardened() {
        return this != LEGACY;
    }
}
