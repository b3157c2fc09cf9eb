package dev.palisade.fence.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * /status carries the domain name a client sent, which may hold any byte: the document stays valid JSON and
 * gives the name back as sent; the ring keeps the newest {@value RecentRequests#SIZE}, newest first.
 */
class GatewayStatusJsonTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final GatewayMetrics m = new GatewayMetrics(Clock.fixed(Instant.parse("2026-12-06T02:00:00Z"),
            ZoneOffset.UTC), nanos::get);

    private static FenceRequest status(String domain) {
        return FenceRequest.builder().request(RequestCode.STATUS).domain(domain).seqno(1).build();
    }

    @Test
    void aHostileDomainNameStaysAStringOfValidJson() throws Exception {
        String hostile = "a\"b\\c\u0001\u001f</script>\u2028}";
        m.listener("tcp 127.0.0.1:1229").serving();
        m.answered("tcp 127.0.0.1:1229", "10.0.0.5", status(hostile), ResponseCode.UNKNOWN_DOMAIN,
                Rejection.UNKNOWN_DOMAIN, nanos.get() - 2_500_000);
        String json = GatewayStatusJson.render(m, new GatewayMetrics.Gauges(true, 0, 64, null));
        assertFalse(json.contains("</script>"), json);
        JsonNode n = new ObjectMapper().readTree(json);
        JsonNode r = n.get("recent_requests").get(0);
        assertEquals(hostile, r.get("domain").asText());
        assertEquals("unknown_domain", r.get("result").asText());
        assertEquals(0.0025, r.get("seconds").asDouble(), 1e-9);
        assertEquals("2026-12-06T02:00:00Z", r.get("at").asText());
        assertEquals("serving", n.get("listeners").get(0).get("state").asText());
        assertEquals(1, m.rejections("tcp 127.0.0.1:1229", Rejection.UNKNOWN_DOMAIN));
        assertEquals(1, m.requests("tcp 127.0.0.1:1229", "status", "unknown_domain"));
    }

    @Test
    void theRingKeepsTheNewestNewestFirst() throws Exception {
        for (int i = 0; i < RecentRequests.SIZE + 5; i++) {
            m.answered("serial", "uuid", status("vm" + i), ResponseCode.SUCCESS, null, nanos.get());
        }
        JsonNode recent = new ObjectMapper().readTree(GatewayStatusJson.render(m,
                new GatewayMetrics.Gauges(true, 0, 64, true))).get("recent_requests");
        assertEquals(RecentRequests.SIZE, recent.size());
        assertEquals("vm" + (RecentRequests.SIZE + 4), recent.get(0).get("domain").asText());
        assertEquals("vm5", recent.get(RecentRequests.SIZE - 1).get("domain").asText());
    }
}
