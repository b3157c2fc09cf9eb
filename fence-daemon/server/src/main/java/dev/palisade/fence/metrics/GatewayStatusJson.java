package dev.palisade.fence.metrics;

import java.util.List;

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
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"up\":").append(g.up())
                .append(",\"start_time_seconds\":").append(m.startTime())
                .append(",\"hypervisor_connected\":").append(g.hypervisorConnected())
                .append(",\"workers\":{\"busy\":").append(g.callsInFlight()).append(",\"max\":").append(g.maxWorkers())
                .append("},\"listeners\":[");
        List<GatewayMetrics.ListenerState> ls = m.listeners();
        for (int i = 0; i < ls.size(); i++) {
            GatewayMetrics.ListenerState l = ls.get(i);
            b.append(i == 0 ? "{" : ",{");
            member(b, "name", l.name()).append(',');
            member(b, "state", l.state()).append(",\"up\":").append(l.up()).append('}');
        }
        b.append("],\"recent_requests\":[");
        List<RecentRequests.Answered> recent = m.recent().newestFirst();
        for (int i = 0; i < recent.size(); i++) {
            RecentRequests.Answered a = recent.get(i);
            b.append(i == 0 ? "{" : ",{");
            member(b, "at", a.at().toString()).append(',');
            member(b, "listener", a.listener()).append(',');
            member(b, "from", a.from()).append(',');
            member(b, "operation", a.operation()).append(',');
            member(b, "domain", a.domain()).append(',');
            member(b, "result", a.result()).append(",\"seconds\":").append(a.seconds()).append('}');
        }
        return b.append("]}\n").toString();
    }

    private static StringBuilder member(StringBuilder b, String key, String value) {
        string(b, key);
        b.append(':');
        string(b, value);
        return b;
    }

    /** RFC 8259 §7: quote, backslash and control characters escaped; a domain name is the client's bytes. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
