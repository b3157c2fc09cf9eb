package dev.palisade.fence.metrics;

import dev.palisade.drivers.http.StatusServer;
import dev.palisade.drivers.metrics.MetricsText;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The gateway's pages on its {@link StatusServer}: {@code /metrics} (Prometheus) and {@code /status} (JSON).
 * Both render on the server's one thread from {@link GatewayMetrics} and a few plain readings, so a scrape
 * never waits for an event loop, a request worker or the hypervisor.
 */
public final class GatewayEndpoints {
    private GatewayEndpoints() {
    }

    public static Map<String, StatusServer.Page> pages(GatewayMetrics metrics, Supplier<GatewayMetrics.Gauges> gauges) {
        return Map.of(
                "/metrics", () -> StatusServer.Response.ok(MetricsText.CONTENT_TYPE, metrics.render(gauges.get())),
                "/status", () -> StatusServer.Response.ok(GatewayStatusJson.CONTENT_TYPE,
                        GatewayStatusJson.render(metrics, gauges.get())));
    }
}
