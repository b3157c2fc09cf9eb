package dev.palisade.fence.metrics;

import java.util.Locale;

/**
 * Why the gateway did not carry out a request, as {@code palisade_gateway_rejections_total{reason}} says it.
 * The first six drop the request before any hypervisor call (the client hears nothing, as from fence_virtd);
 * the last five are answered (FAIL, or PERM for an access rule) and also counted among the requests under
 * their result.
 */
public enum Rejection {
    /** The bytes are not a fence_virt request (wrong size, bad field), or a serial frame is broken. */
    MALFORMED,
    /** Authentication failed: wrong key, changed after signing, weaker hash than required, scheme refused. */
    AUTH,
    /** A hardened request whose timestamp is outside the skew window (stale, or the clocks disagree). */
    STALE,
    /** A hardened request whose nonce was seen before: a replay. */
    REPLAY,
    /** The same request, sequence number and domain within 10 s (fence_virtd's history.c): normal for
     * multicast, whose client sends a copy on every interface. */
    DUPLICATE,
    /** The request verified, but the caller failed the challenge/response: it does not hold the key. */
    CHALLENGE_FAILED,
    /** A multicast request whose call-back connection could not be made. */
    CALLBACK_FAILED,
    /** An access rule ({@code groups}) does not let this caller act on this domain: answered PERM. */
    ACCESS_DENIED,
    /** No hypervisor knows the domain (answered UNKNOWN_DOMAIN, or OFF/FAIL on the stock wire). */
    UNKNOWN_DOMAIN,
    /** The hypervisor did not answer within {@code request_timeout}: answered FAIL. */
    TIMEOUT,
    /** Every request worker was waiting on the hypervisor: answered FAIL at once. */
    BUSY,
    /** The client did not finish a step of the conversation (or take the answer) within its deadline. */
    CLIENT_TIMEOUT;

    /** The label value: the name in lower case. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
