package dev.palisade.fence.runner;

import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResponseCode;
import java.util.List;

/** What a request came to: the answer code, and for a list the hosts the caller may see. */
public record Outcome(ResponseCode code, List<HostState> hosts) {
    public static final Outcome FAIL = new Outcome(ResponseCode.FAIL, List.of());

    public Outcome {
        hosts = List.copyOf(hosts);
    }

    public static Outcome of(ResponseCode code) {
        return new Outcome(code, List.of());
    }
}
