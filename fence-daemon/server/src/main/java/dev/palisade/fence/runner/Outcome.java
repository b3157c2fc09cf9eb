package dev.palisade.fence.runner;

import dev.palisade.fence.metrics.Rejection;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResponseCode;
import java.util.List;

/**
 * What a request came to: the answer code, for a list the hosts the caller may see, and when the request was
 * not carried out, why ({@code refusal}: an access rule, an unknown domain, the deadline, no free worker; null
 * otherwise), so that the listener that answers can count it under its reason.
 */
public record Outcome(ResponseCode code, List<HostState> hosts, Rejection refusal) {
    public static final Outcome FAIL = new Outcome(ResponseCode.FAIL, List.of(), null);
    /** The hypervisor did not answer within the request's deadline. */
    public static final Outcome TIMED_OUT = new Outcome(ResponseCode.FAIL, List.of(), Rejection.TIMEOUT);
    /** Every worker was waiting on the hypervisor. */
    public static final Outcome BUSY = new Outcome(ResponseCode.FAIL, List.of(), Rejection.BUSY);
    /** An access rule refused the caller. */
    public static final Outcome DENIED = new Outcome(ResponseCode.PERM, List.of(), Rejection.ACCESS_DENIED);

    public Outcome {
        hosts = List.copyOf(hosts);
    }

    /** An answer that carried the request out (an unknown domain is refused under its own reason). */
    public Outcome(ResponseCode code, List<HostState> hosts) {
        this(code, hosts, code == ResponseCode.UNKNOWN_DOMAIN ? Rejection.UNKNOWN_DOMAIN : null);
    }

    public static Outcome of(ResponseCode code) {
        return new Outcome(code, List.of());
    }
}
