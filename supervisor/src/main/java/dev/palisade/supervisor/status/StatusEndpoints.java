package dev.palisade.supervisor.status;

import dev.palisade.drivers.http.StatusServer;
import dev.palisade.drivers.metrics.MetricsText;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The supervisor's pages on its {@link StatusServer}: {@code /metrics}, {@code /status}, {@code /} (and
 * {@code /status.schema.json}, the shape of /status). Each renders from a fresh {@link StatusView}, which only
 * reads what the node already published: no page waits for the node loop, a heartbeat thread or a fence.
 */
public final class StatusEndpoints {
    private StatusEndpoints() {
    }

    public static Map<String, StatusServer.Page> pages(Supplier<StatusView> view, NodeCounters counters) {
        byte[] schema = schema();
        return Map.of(
                "/metrics", () -> StatusServer.Response.ok(MetricsText.CONTENT_TYPE,
                        NodeMetrics.render(view.get(), counters)),
                "/status", () -> StatusServer.Response.ok(StatusJson.CONTENT_TYPE, StatusJson.render(view.get())),
                "/", () -> StatusServer.Response.ok(StatusPage.CONTENT_TYPE, StatusPage.render(view.get()))
                        .withHeader("Content-Security-Policy", StatusPage.CSP)
                        .withHeader("X-Frame-Options", "DENY"),
                "/status.schema.json", () -> new StatusServer.Response(200, "application/schema+json", schema,
                        Map.of()));
    }

    /** The JSON Schema of /status, shipped in the jar beside {@link StatusJson}. */
    public static byte[] schema() {
        try (var in = StatusJson.class.getResourceAsStream("status.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("status.schema.json is missing from the jar");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("status.schema.json: " + e.getMessage(), e);
        }
    }
}
