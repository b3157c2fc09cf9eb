package dev.palisade.fence.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.ListeningPorts;
import dev.palisade.fence.wire.RequestCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's /metrics and /status with real clients on the libvirt test driver: stock fence_virt (a status,
 * a list, a wrong key, an unknown domain) and the hardened client (a round trip and its replay), then a scrape
 * read by Prometheus's own parser and linter ({@code promtool check metrics}) and the counters checked series by
 * series; and a gateway without an http block that binds no port but its listener's.
 */
class GatewayMetricsEndpointTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMillis(TestTime.millis(5000))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** promtool from a file on stdin: exit 0 and nothing said means the text parses and passes the linter. */
    private static Commands.Result promtool(Path dir, String metrics) throws Exception {
        Path f = dir.resolve("metrics.txt");
        Files.writeString(f, metrics);
        return Commands.run(20_000, List.of("sh", "-c", Commands.require("promtool") + " check metrics < \"$0\"",
                f.toString()));
    }

    private static Commands.Result fenceVirt(Path key, int port, String... args) throws Exception {
        return Commands.run(20_000, Commands.concat(List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p",
                String.valueOf(port), "-k", key.toString(), "-t", "5"), args));
    }

    private static void assertSeries(String metrics, String... lines) {
        for (String l : lines) {
            assertTrue(metrics.lines().anyMatch(l::equals), l + " in\n" + metrics);
        }
    }

    @Test
    void scrapeCountsRealRequestsUnderTheirListenerOperationResultAndReason(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        Path wrongKey = Fixtures.key(dir, "wrong.key");
        int legacy = Fixtures.freePort();
        int hardened = Fixtures.freePort();
        int http = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("fence_virt.conf"), """
                listeners {
                  tcp { key_file = "%1$s"; address = "127.0.0.1"; port = "%2$d"; }
                  tcp { key_file = "%1$s"; address = "127.0.0.1"; port = "%3$d"; auth = "hardened"; }
                }
                backends { libvirt { uri = "%4$s"; } }
                http { listen = "127.0.0.1:%5$d"; }
                """.formatted(key, legacy, hardened, Fixtures.domainsUri(dir), http));
        try (FenceDaemon daemon = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
            daemon.start(Duration.ofSeconds(10));
            assertEquals(http, daemon.http().address().getPort());
            String l = "tcp 127.0.0.1:" + legacy;
            String h = "tcp 127.0.0.1:" + hardened;

            assertEquals(0, fenceVirt(key, legacy, "-o", "status", "-H", "appliance-a").exit());
            assertEquals(0, fenceVirt(key, legacy, "-o", "list").exit());
            Commands.Result wrong = fenceVirt(wrongKey, legacy, "-o", "off", "-H", "appliance-a");
            assertEquals(1, wrong.exit(), wrong.toString());
            Commands.Result unknown = fenceVirt(key, legacy, "-o", "status", "-H", "no-such-vm");
            assertEquals(2, unknown.exit(), "the stock wire says OFF for an unknown domain: " + unknown);
            FenceVirtClient client = FenceVirtClient.hardened(FenceKey.load(key), TestTime.scaled(Duration.ofSeconds(5)));
            byte[] captured = client.request(RequestCode.STATUS, "appliance-b").encode();
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", hardened);
            assertEquals(0, client.tcpRaw(at, captured).code());
            assertThrows(IOException.class, () -> client.tcpRaw(at, captured), "a replay is dropped unanswered");

            HttpResponse<String> r = get(http, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                    r.headers().toString());
            String m = r.body();
            Commands.Result check = promtool(dir, m);
            assertEquals(0, check.exit(), check + "\n" + m);
            assertTrue(check.stdout().isBlank() && check.stderr().isBlank(), "promtool's linter is silent: " + check);
            assertSeries(m,
                    "palisade_gateway_up 1",
                    "palisade_gateway_listener_up{listener=\"" + l + "\"} 1",
                    "palisade_gateway_listener_up{listener=\"" + h + "\"} 1",
                    "palisade_gateway_requests_total{listener=\"" + l + "\",operation=\"status\",result=\"success\"} 1",
                    "palisade_gateway_requests_total{listener=\"" + l + "\",operation=\"list\",result=\"success\"} 1",
                    "palisade_gateway_requests_total{listener=\"" + l + "\",operation=\"status\",result=\"unknown_domain\"} 1",
                    "palisade_gateway_requests_total{listener=\"" + h + "\",operation=\"status\",result=\"success\"} 1",
                    "palisade_gateway_rejections_total{listener=\"" + l + "\",reason=\"auth\"} 1",
                    "palisade_gateway_rejections_total{listener=\"" + l + "\",reason=\"unknown_domain\"} 1",
                    "palisade_gateway_rejections_total{listener=\"" + l + "\",reason=\"replay\"} 0",
                    "palisade_gateway_rejections_total{listener=\"" + h + "\",reason=\"replay\"} 1",
                    "palisade_gateway_rejections_total{listener=\"" + h + "\",reason=\"auth\"} 0",
                    "palisade_gateway_request_duration_seconds_count{operation=\"status\"} 3",
                    "palisade_gateway_request_duration_seconds_bucket{operation=\"status\",le=\"+Inf\"} 3",
                    "palisade_gateway_request_duration_seconds_count{operation=\"list\"} 1",
                    "palisade_gateway_request_duration_seconds_count{operation=\"off\"} 0",
                    "palisade_gateway_hypervisor_calls_in_flight 0",
                    "palisade_gateway_workers_max 64",
                    "palisade_gateway_hypervisor_connected 1");
            assertEquals(0, Pattern.compile("(?m)^palisade_gateway_requests_total\\{[^}]*operation=\"off\"")
                    .matcher(m).results().count(), "the wrong-key off was never carried out:\n" + m);

            HttpResponse<String> s = get(http, "/status");
            assertEquals(200, s.statusCode());
            assertTrue(s.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            JsonNode status = new ObjectMapper().readTree(s.body());
            assertTrue(status.get("up").asBoolean(), s.body());
            assertEquals(2, status.get("listeners").size());
            assertEquals(l, status.get("listeners").get(0).get("name").asText());
            assertEquals("serving", status.get("listeners").get(0).get("state").asText());
            JsonNode newest = status.get("recent_requests").get(0);
            assertEquals(h, newest.get("listener").asText(), s.body());
            assertEquals("appliance-b", newest.get("domain").asText());
            assertEquals("success", newest.get("result").asText());
            assertEquals(4, status.get("recent_requests").size(), "four requests were answered: " + s.body());
        }
        assertThrows(IOException.class, () -> get(http, "/metrics"), "the endpoint closes with the gateway");
    }

    @Test
    void withoutAnHttpBlockNoPortIsBoundButTheListeners(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        int port = Fixtures.freePort();
        Path conf = Fixtures.write(dir.resolve("fence_virt.conf"), """
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, port, Fixtures.domainsUri(dir)));
        FenceDaemonConfig config = FenceDaemonConfig.load(conf);
        assertNull(config.http());
        Set<Integer> before = ListeningPorts.ofThisProcess();
        try (FenceDaemon daemon = FenceDaemon.create(config)) {
            daemon.start(Duration.ofSeconds(10));
            assertNull(daemon.http());
            Set<Integer> opened = new TreeSet<>(ListeningPorts.ofThisProcess());
            opened.removeAll(before);
            assertEquals(Set.of(port), opened, "only the fence listener's port");
            assertEquals(0, fenceVirt(key, port, "-o", "status", "-H", "appliance-a").exit());
            assertEquals(1, daemon.metrics().requests("tcp 127.0.0.1:" + port, "status", "success"),
                    "counted even with no endpoint to show it");
        }
    }
}
