package dev.palisade.fence.metrics;

import dev.palisade.drivers.http.JsonWriter;

/**
 * {@code /status}: the gateway as JSON (RFC 8259): whether it serves, each listener and its state, the
 * request workers, and the last answered requests, newest first. Rendered from {@link GatewayMetrics} alone,
 * so it takes no lock of the listeners or the request runner. No I/O.
 */
public final class GatewayStatusJson {
    public static final String CONTENT_TYPE = "application/json; charset=utf-8";

    private GatewayStatusJson() {
    }

    public static String render(GatewayMetrics m, GatewayMetrics.Gauges g) {
        JsonWriter j = new JsonWriter().begin();
        j.field("up", g.up()).field("start_time_seconds", m.startTime())
                .field("hypervisor_connected", g.hypervisorConnected());
        j.key("workers").begin().field("busy", g.callsInFlight()).field("max", g.maxWorkers()).end();
        j.key("listeners").array();
        for (GatewayMetrics.ListenerState l : m.listeners()) {
            j.begin().field("name", l.name()).field("state", l.state()).field("up", l.up()).end();
        }
        j.endArray().key("recent_requests").array();
        for (RecentRequests.Answered a : m.recent().newestFirst()) {
            j.begin().field("at", a.at().toString()).field("listener", a.listener()).field("from", a.from())
                    .field("operation", a.operation()).field("domain", a.domain()).field("result", a.result())
                    .field("seconds", a.seconds()).end();
        }
        return j.endArray().end() + "\n";
    }
}
