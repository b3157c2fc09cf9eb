package dev.palisade.fence.config;

import dev.palisade.drivers.http.ListenAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway's optional {@code http { listen = "ADDRESS:PORT"; }} block: where {@code /metrics} and
 * {@code /status} are served. Off when the block is absent, so a stock fence_virt.conf means what it always
 * meant; stock fence_virtd looks up only the keys it knows and never reads this block, so one file can serve
 * both daemons.
 */
public final class HttpSection {
    /** The top-level block's name. */
    public static final String NAME = "http";

    /** Where the endpoint listens, and where the file says so. */
    public record Http(ListenAddress listen, ConfigPosition position) {
    }

    private HttpSection() {
    }

    /** The http block of {@code root}, or null when there is none. */
    public static Http read(Section root) throws ConfigException {
        List<Section> blocks = root.children(NAME);
        if (blocks.isEmpty()) {
            return null;
        }
        if (blocks.size() > 1) {
            throw new ConfigException(blocks.get(1).block().position(), "a second http block (the first is at "
                    + blocks.get(0).block().position() + ")", "keep one http { listen = \"ADDRESS:PORT\"; } block");
        }
        Section h = blocks.get(0).allow(Set.of("listen"), Set.of());
        if (h.block().all("listen").size() > 1) {
            throw new ConfigException(h.block().all("listen").get(1).keyPosition(), "'listen' given twice in 'http'",
                    "keep one listen = \"ADDRESS:PORT\"; (one endpoint per gateway)");
        }
        Optional<ConfigEntry> listen = h.entry("listen");
        if (listen.isEmpty()) {
            throw new ConfigException(h.block().position(), "the http block has no 'listen'",
                    "say where to serve /metrics: listen = \"127.0.0.1:9465\"; (or remove the http block: it is"
                            + " off by default)");
        }
        try {
            return new Http(ListenAddress.parse(listen.get().value()), listen.get().valuePosition());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(listen.get().valuePosition(), "listen in 'http': " + e.getMessage(),
                    "write listen = \"127.0.0.1:9465\"; (an address of this host and a port)");
        }
    }
}
