package dev.palisade.supervisor.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.supervisor.node.ControlSocket;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status endpoint of a real pair on loopback, read by real clients: {@code /metrics} through Prometheus's own
 * parser and linter ({@code promtool check metrics}), {@code /status} against its JSON Schema and beside
 * {@code ctl status --json}, and the page in headless Chromium (its DOM and a screenshot in target/).
 */
class StatusSurfaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(LoopbackPair pair, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(pair.url() + path))
                .timeout(Duration.ofMillis(TestTime.millis(5000))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** promtool from the stdin file: exit 0 and nothing said means the text parses and passes the linter. */
    private static Commands.Result promtool(Path dir, String metrics) throws Exception {
        Path f = dir.resolve("metrics.txt");
        Files.writeString(f, metrics);
        return Commands.run(20_000, List.of("sh", "-c", "promtool check metrics < \"$0\"", f.toString()));
    }

    @Test
    void metricsParseWithPromtoolAndCarryTheDaemonsState(@TempDir Path dir) throws Exception {
        Commands.require("promtool");
        try (LoopbackPair pair = new LoopbackPair(dir, true).startBoth()) {
            HttpResponse<String> r = get(pair, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                    r.headers().toString());
            String m = r.body();
            Commands.Result check = promtool(dir, m);
            assertEquals(0, check.exit(), check + "\n" + m);
            assertTrue(check.stdout().isBlank() && check.stderr().isBlank(), "promtool's linter is silent: " + check);
            for (String series : List.of("palisade_up 1", "palisade_role{role=\"active\"} 1",
                    "palisade_role{role=\"standby\"} 0", "palisade_peer_alive 1",
                    "palisade_transitions_total{to=\"active\"} 1")) {
                assertTrue(m.lines().anyMatch(series::equals), series + " in\n" + m);
            }
            assertTrue(Pattern.compile("(?m)^palisade_heartbeat_link_up\\{link=\"udp [^\"]+\"} 1$").matcher(m).find(), m);
            assertTrue(Pattern.compile("(?m)^palisade_heartbeat_link_last_frame_seconds\\{link=\"udp [^\"]+\"} [0-9][0-9.E-]*$")
                    .matcher(m).find(), m);
            assertTrue(Pattern.compile("(?m)^palisade_resource_running\\{resource=\"[^\"]*Dummy[^\"]*\"} 1$")
                    .matcher(m).find(), m);
            assertTrue(m.contains("# TYPE palisade_fence_duration_seconds histogram"), m);

            pair.stop(1); // the peer gone: the metrics are still served, and say so
            LoopbackPair.await(() -> {
                try {
                    return get(pair, "/metrics").body().lines().anyMatch("palisade_peer_alive 0"::equals);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, 10_000, "palisade_peer_alive 0 with the peer gone");
            String gone = get(pair, "/metrics").body();
            assertEquals(0, promtool(dir, gone).exit(), gone);
            assertTrue(gone.lines().anyMatch("palisade_up 1"::equals), gone);
        }
    }

    @Test
    void statusIsValidAgainstItsSchemaAndSaysWhatCtlStatusJsonSays(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, true).startBoth()) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(new String(StatusEndpoints.schema(), StandardCharsets.UTF_8));
            HttpResponse<String> served = get(pair, "/status.schema.json");
            assertEquals(200, served.statusCode());
            assertEquals(JSON.readTree(StatusEndpoints.schema()), JSON.readTree(served.body()));

            HttpResponse<String> r = get(pair, "/status");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            JsonNode http = JSON.readTree(r.body());
            Set<ValidationMessage> problems = schema.validate(http);
            assertTrue(problems.isEmpty(), problems + "\n" + r.body());
            assertEquals("pf1", http.get("node").asText());
            assertEquals("pf1", http.get("active_node").asText());
            // the loopback pair has no fencing plan: degraded for that reason alone
            assertEquals("degraded", http.get("health").get("status").asText(), r.body());
            assertEquals(1, http.get("health").get("code").asInt());
            assertTrue(http.get("health").get("reasons").get(0).asText().startsWith("fencing: no fencing configured for pf2"), r.body());
            assertEquals(1, http.get("health").get("reasons").size(), r.body());
            assertTrue(http.get("up").asBoolean());

            JsonNode ctl = JSON.readTree(ControlSocket.ask(pair.controlSocket(0), "status --json"));
            assertTrue(schema.validate(ctl).isEmpty(), schema.validate(ctl).toString());
            assertEquals(fieldPaths(http), fieldPaths(ctl), "the same content over HTTP and the control socket");
            assertEquals(http.get("state"), ctl.get("state"));
            assertEquals(http.get("transitions"), ctl.get("transitions"));
            assertEquals(http.get("health"), ctl.get("health"));

            JsonNode standby = JSON.readTree(ControlSocket.ask(pair.controlSocket(1), "status --json"));
            assertTrue(schema.validate(standby).isEmpty(), schema.validate(standby).toString());
            assertEquals("pf1", standby.get("active_node").asText(), "the standby knows who is active");
        }
    }

    /** Every field's path in a JSON document (array items by index), to compare two documents' shapes. */
    private static Set<String> fieldPaths(JsonNode n) {
        Set<String> out = new TreeSet<>();
        walk(n, "", out);
        return out;
    }

    private static void walk(JsonNode n, String at, Set<String> out) {
        out.add(at);
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                walk(n.get(f), at + "/" + f, out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                walk(n.get(i), at + "/" + i, out);
            }
        }
    }

    @Test
    void thePageInHeadlessChromiumShowsBothNodesAndTheActiveOne(@TempDir Path dir) throws Exception {
        String chromium = Commands.require("chromium");
        try (LoopbackPair pair = new LoopbackPair(dir, true).startBoth()) {
            HttpResponse<String> r = get(pair, "/");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-security-policy").orElse("").contains("default-src 'none'"));
            String html = r.body();
            assertTrue(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
                    "self-contained: " + html);

            List<String> base = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-extensions", "--user-data-dir=" + dir.resolve("chromium-profile"),
                    "--window-size=1000,900"));
            List<String> dump = new ArrayList<>(base);
            dump.addAll(List.of("--dump-dom", pair.url() + "/"));
            Commands.Result dom = Commands.run(60_000, dump);
            assertEquals(0, dom.exit(), dom.toString());
            String d = dom.stdout();
            assertTrue(d.contains("<span id=\"node\">pf1</span>"), d);
            assertTrue(Pattern.compile("<tr class=\"node active self\" data-node=\"pf1\" data-state=\"ACTIVE\">")
                    .matcher(d).find(), "pf1 marked active: " + d);
            assertTrue(d.contains("<tr class=\"node peer\" data-node=\"pf2\" data-state=\"STANDBY\">"), d);
            assertTrue(d.contains("<span class=\"badge\">active</span>"), d);
            assertTrue(Pattern.compile("id=\"active\">active node: <b>pf1</b>").matcher(d).find(), d);
            assertTrue(Pattern.compile("<td>udp [^<]+</td><td>up</td><td>[0-9]+ ms ago</td>").matcher(d).find(), d);

            File shot = new File("target/status-page.png").getAbsoluteFile();
            Files.deleteIfExists(shot.toPath());
            List<String> png = new ArrayList<>(base);
            png.addAll(List.of("--screenshot=" + shot, pair.url() + "/"));
            Commands.Result s = Commands.run(60_000, png);
            assertEquals(0, s.exit(), s.toString());
            assertTrue(shot.length() > 1000, "a screenshot in " + shot + ": " + shot.length() + " bytes");
        }
    }

    @Test
    void ctlStatusExitCodesAreTheMonitoringPluginOnes(@TempDir Path dir) throws Exception {
        try (LoopbackPair pair = new LoopbackPair(dir, false).startBoth()) {
            // the loopback pair has no fencing plan: DEGRADED (1) for that reason alone while both nodes run
            Commands.Result degraded = ctl(pair, 0, "status");
            assertEquals(1, degraded.exit(), degraded.toString());
            assertTrue(degraded.stdout().contains("health: DEGRADED: fencing: no fencing configured for pf2"), degraded.toString());
            Commands.Result json = ctl(pair, 0, "status", "--json");
            assertEquals(1, json.exit(), json.toString());
            assertEquals("pf1", JSON.readTree(json.stdout()).get("node").asText());

            assertTrue(ControlSocket.ask(pair.controlSocket(0), "maintenance on").startsWith("ok"));
            LoopbackPair.await(() -> ctlOut(pair, 0).contains("maintenance mode"), 10_000, "maintenance in the status");
            assertEquals(1, exit(pair, 0), "maintenance is degraded, not critical");
            assertTrue(ControlSocket.ask(pair.controlSocket(0), "maintenance off").startsWith("ok"));
            LoopbackPair.await(() -> !ctlOut(pair, 0).contains("maintenance mode"), 10_000, "maintenance off");

            pair.stop(0); // the active node gone and no fencing plan: pf2 cannot take over, no node is ACTIVE
            LoopbackPair.await(() -> exit(pair, 1) == 2, 20_000, "exit 2 (critical) on pf2 alone");
            assertTrue(ctlOut(pair, 1).contains("no node is ACTIVE"), ctlOut(pair, 1));
            Commands.Result unknown = ctl(pair, 0, "status");
            assertEquals(3, unknown.exit(), "no supervisor: unknown\n" + unknown);
        }
    }

    private static String ctlOut(LoopbackPair pair, int i) {
        try {
            return ctl(pair, i, "status").stdout();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static int exit(LoopbackPair pair, int i) {
        try {
            return ctl(pair, i, "status").exit();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Commands.Result ctl(LoopbackPair pair, int i, String... cmd) throws Exception {
        List<String> args = new ArrayList<>(List.of("ctl", "-s", pair.controlSocket(i).toString()));
        args.addAll(List.of(cmd));
        return Commands.run(30_000, dev.palisade.supervisor.cli.PalisadeProcess.command(args.toArray(String[]::new)));
    }
}
