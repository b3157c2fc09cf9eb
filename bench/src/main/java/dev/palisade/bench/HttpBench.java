package dev.palisade.bench;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the metrics endpoint costs, beside prometheus-node-exporter in one run. Memory: the gateway and the
 * supervisor (today's jar, bin/palisade's JVM flags) each started with the http block and without it, taking
 * turns trial by trial; RSS and thread count read from /proc once settled (and, with http, after the scrapes).
 * Scrape latency: the gateway's, the supervisor's and node_exporter's {@code /metrics} scraped in turn on one
 * keep-alive HTTP/1.1 connection each, as Prometheus scrapes, from the first byte of the request to the last of
 * the body; warm-up scrapes first, not counted.
 * Usage: HttpBench JAR TRIALS SCRAPES NAME=URL@PID... (the anchors, started by the calling script).
 */
public final class HttpBench {
    private static final int WARMUP = 200;

    private final Path jar;
    private final Path work;
    private final String javaBin = System.getProperty("java.home") + "/bin/java";

    private HttpBench(Path jar, Path work) {
        this.jar = jar;
        this.work = work;
    }

    /** An endpoint to scrape: its URL, and the process whose memory and threads are read. */
    private record Target(String name, String url, long pid) {
    }

    public static void main(String[] args) throws Exception {
        HttpBench b = new HttpBench(Path.of(args[0]), Files.createTempDirectory("palisade-httpbench"));
        List<Target> anchors = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String[] nameRest = args[i].split("=", 2);
            String[] urlPid = nameRest[1].split("@");
            anchors.add(new Target(nameRest[0], urlPid[0], Long.parseLong(urlPid[1])));
        }
        System.out.print(b.run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), anchors));
    }

    private List<String> palisade(String... rest) {
        List<String> c = new ArrayList<>(List.of(javaBin, "-Xms32m", "-Xmx128m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        c.addAll(List.of(rest));
        return c;
    }

    private String run(int trials, int scrapes, List<Target> anchors) throws Exception {
        Path fenceKey = secret(work.resolve("fence.key"));
        int gwHttp = freePort();
        int supHttp = freePort();
        String gw = "listeners { tcp { address = \"127.0.0.1\"; port = \"" + freePort() + "\"; key_file = \"" + fenceKey
                + "\"; } }\nbackends { libvirt { uri = \"test:///default\"; } }\n";
        Path gwOff = write("gw-off.conf", gw);
        Path gwOn = write("gw-on.conf", gw + "http { listen = \"127.0.0.1:" + gwHttp + "\"; }\n");
        String sup = "supervisor { node = \"pf1\"; peer = \"pf2\"; keepalive = \"100ms\"; deadtime = \"1s\";"
                + " initdead = \"2s\"; control_socket = \"" + work.resolve("control.sock") + "\"; }\n"
                + "auth { key_file = \"" + secret(work.resolve("cluster.key")) + "\"; }\n"
                + "links { udp { peer = \"127.0.0.1\"; port = \"" + freePort() + "\"; bind = \"127.0.0.1\"; } }\n";
        Path supOff = write("sup-off.conf", sup);
        Path supOn = write("sup-on.conf", sup + "http { listen = \"127.0.0.1:" + supHttp + "\"; }\n");
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("gateway|off", palisade("fence-daemon", "-F", "-f", gwOff.toString()));
        variants.put("gateway|on", palisade("fence-daemon", "-F", "-f", gwOn.toString()));
        variants.put("supervisor|off", palisade("supervisor", "-f", supOff.toString()));
        variants.put("supervisor|on", palisade("supervisor", "-f", supOn.toString()));
        Map<String, String> urls = Map.of("gateway|on", "http://127.0.0.1:" + gwHttp + "/metrics",
                "supervisor|on", "http://127.0.0.1:" + supHttp + "/metrics");

        StringBuilder out = new StringBuilder();
        out.append("### Memory and threads, http block off and on (").append(trials)
                .append(" starts each, taking turns; \"on\": after ").append(WARMUP + scrapes).append(" scrapes)\n\n");
        out.append("| process | http | RSS median MiB | max MiB | threads median | max |\n|---|---|---:|---:|---:|---:|\n");
        Map<String, double[]> rss = new LinkedHashMap<>();
        Map<String, double[]> threads = new LinkedHashMap<>();
        variants.keySet().forEach(k -> {
            rss.put(k, new double[trials]);
            threads.put(k, new double[trials]);
        });
        for (int t = 0; t < trials; t++) {
            for (var e : variants.entrySet()) {
                try (ImageBench.Daemon d = ImageBench.Daemon.start(e.getValue(), work.resolve(e.getKey().replace('|', '-') + t))) {
                    d.awaitReady(Duration.ofSeconds(30));
                    Thread.sleep(4000); // the supervisor past initdead, its decision taken
                    String url = urls.get(e.getKey());
                    if (url != null) {
                        scrape(new Target(e.getKey(), url, d.pid()), WARMUP + scrapes);
                    }
                    rss.get(e.getKey())[t] = d.rssMiB();
                    threads.get(e.getKey())[t] = ImageBench.Daemon.status(d.pid(), "Threads:");
                }
            }
        }
        for (String k : variants.keySet()) {
            double[] r = Percentiles.sorted(rss.get(k));
            double[] th = Percentiles.sorted(threads.get(k));
            String[] w = k.split("\\|");
            out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.0f | %.0f |%n", w[0], w[1],
                    Percentiles.median(r), r[r.length - 1], Percentiles.median(th), th[th.length - 1]));
        }

        // latency: both of ours running at once beside the anchors, scraped in turn
        try (ImageBench.Daemon g = ImageBench.Daemon.start(variants.get("gateway|on"), work.resolve("lat-gw"));
             ImageBench.Daemon s = ImageBench.Daemon.start(variants.get("supervisor|on"), work.resolve("lat-sup"))) {
            g.awaitReady(Duration.ofSeconds(30));
            s.awaitReady(Duration.ofSeconds(30));
            Thread.sleep(4000);
            List<Target> targets = new ArrayList<>();
            targets.add(new Target("gateway", urls.get("gateway|on"), g.pid()));
            targets.add(new Target("supervisor", urls.get("supervisor|on"), s.pid()));
            targets.addAll(anchors);
            out.append(latency(targets, scrapes, anchors.size()));
            // and the same after it: memory and threads of the anchors
            for (Target a : anchors) {
                out.append(String.format(Locale.ROOT, "%n%s (anchor) after the scrapes: RSS %.1f MiB, %d threads.%n", a.name(),
                        ImageBench.Daemon.status(a.pid(), "VmRSS:") / 1024.0,
                        ImageBench.Daemon.status(a.pid(), "Threads:")));
            }
        }
        return out.toString();
    }

    /** {@code n} scrapes of one target (to warm its endpoint before its memory is read). */
    private static void scrape(Target t, int n) throws Exception {
        HttpClient c = client();
        HttpRequest r = HttpRequest.newBuilder(URI.create(t.url())).timeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < n; i++) {
            HttpResponse<byte[]> res = c.send(r, HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() != 200) {
                throw new IllegalStateException(t.name() + ": HTTP " + res.statusCode());
            }
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The last {@code anchorCount} targets are the anchors: every row's median is compared with each. */
    private static String latency(List<Target> targets, int scrapes, int anchorCount) throws Exception {
        List<HttpClient> clients = new ArrayList<>();
        List<HttpRequest> requests = new ArrayList<>();
        for (Target t : targets) {
            clients.add(client());
            requests.add(HttpRequest.newBuilder(URI.create(t.url())).timeout(Duration.ofSeconds(10))
                    .header("Accept", "text/plain;version=0.0.4").build());
        }
        double[][] ms = new double[targets.size()][scrapes];
        int[] bytes = new int[targets.size()];
        int[] samples = new int[targets.size()];
        for (int i = -WARMUP; i < scrapes; i++) {
            for (int k = 0; k < targets.size(); k++) {
                long t0 = System.nanoTime();
                HttpResponse<byte[]> res = clients.get(k).send(requests.get(k), HttpResponse.BodyHandlers.ofByteArray());
                long dt = System.nanoTime() - t0;
                if (res.statusCode() != 200) {
                    throw new IllegalStateException(targets.get(k).name() + ": HTTP " + res.statusCode());
                }
                if (i >= 0) {
                    ms[k][i] = dt / 1e6;
                }
                bytes[k] = res.body().length;
                samples[k] = (int) new String(res.body(), java.nio.charset.StandardCharsets.UTF_8).lines()
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("\n### Scrape latency of /metrics (").append(scrapes).append(" scrapes each after ").append(WARMUP)
                .append(" warm-up, in turn, keep-alive)\n\n");
        out.append("| endpoint | median ms | p99 ms | max ms | body bytes | samples |");
        int first = targets.size() - anchorCount;
        for (int a = first; a < targets.size(); a++) {
            out.append(" median vs ").append(targets.get(a).name()).append(" |");
        }
        out.append("\n|---|---:|---:|---:|---:|---:|").append("---:|".repeat(anchorCount)).append('\n');
        for (int k = 0; k < targets.size(); k++) {
            double[] s = Percentiles.sorted(ms[k]);
            out.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %d | %d |", targets.get(k).name(),
                    Percentiles.median(s), Percentiles.p99(s), s[s.length - 1], bytes[k], samples[k]));
            for (int a = first; a < targets.size(); a++) {
                out.append(String.format(Locale.ROOT, " %.2fx |",
                        Percentiles.median(s) / Percentiles.median(Percentiles.sorted(ms[a]))));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private Path write(String name, String text) throws Exception {
        Path p = work.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    private static Path secret(Path p) throws Exception {
        byte[] b = new byte[64];
        new java.security.SecureRandom().nextBytes(b);
        Files.write(p, b);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
