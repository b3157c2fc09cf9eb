package dev.palisade.bench;

import dev.palisade.drivers.testing.NotifySocketListener;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Start-up and memory of the packaged runtime against today's jar on the system JDK, in one run: start to
 * READY=1 (the supervisor and the gateway under a test NOTIFY_SOCKET), RSS once settled, and
 * {@code palisade ctl status} and {@code fence_palisade -o status} as whole processes, the way a shell script
 * and Pacemaker call them. Variants take turns, trial by trial.
 * Usage: ImageBench ROOT JAR GATEWAY_JAR TRIALS (ROOT: both packages extracted, share-classes run in it).
 */
public final class ImageBench {
    private final Path root;
    private final Path jar;
    private final Path gatewayJar;
    private final Path work;
    private final String today = System.getProperty("java.home") + "/bin/java";
    private final Path lib;
    private final Path gwLib;
    private int gatewayPort;
    private Path fenceKey;

    private ImageBench(Path root, Path jar, Path gatewayJar, Path work) {
        this.root = root;
        this.jar = jar;
        this.gatewayJar = gatewayJar;
        this.work = work;
        this.lib = root.resolve("usr/lib/palisade");
        this.gwLib = root.resolve("usr/lib/palisade/fence-gateway");
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("palisade-imagebench");
        ImageBench b = new ImageBench(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), work);
        b.run(Integer.parseInt(args[3]));
    }

    /** bin/palisade's command line today: the system JDK and its flags. */
    private List<String> todayJava(String... rest) {
        List<String> c = new ArrayList<>(List.of(today, "-Xms32m", "-Xmx128m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED"));
        c.addAll(List.of(rest));
        return c;
    }

    private List<String> cmd(String... words) {
        return new ArrayList<>(List.of(words));
    }

    private void run(int trials) throws Exception {
        fenceKey = secret(work.resolve("fence.key"));
        gatewayPort = freePort();
        Path gwConf = work.resolve("fence_virt.conf");
        Files.writeString(gwConf, "fence_virtd { listener = \"tcp\"; backend = \"libvirt\"; }\n"
                + "listeners { tcp { address = \"127.0.0.1\"; port = \"" + gatewayPort + "\"; key_file = \""
                + fenceKey + "\"; } }\nbackends { libvirt { uri = \"test:///default\"; } }\n");
        Map<String, List<String>> gateways = new LinkedHashMap<>();
        gateways.put("packaged (jlink runtime, AppCDS, daemon.jvm)",
                cmd(root.resolve("usr/sbin/palisade-fence-gateway").toString(), "-F", "-f", gwConf.toString()));
        gateways.put("today's jar, system JDK (bin/palisade)",
                todayJava("-jar", jar.toString(), "fence-daemon", "-F", "-f", gwConf.toString()));
        Map<String, List<String>> supervisors = new LinkedHashMap<>();
        Path supConf = work.resolve("palisade.conf");
        Path sock = work.resolve("control.sock");
        Files.writeString(supConf, "supervisor { node = \"pf1\"; peer = \"pf2\"; keepalive = \"100ms\"; deadtime = \"1s\";"
                + " initdead = \"2s\"; control_socket = \"" + sock + "\"; }\n"
                + "auth { key_file = \"" + secret(work.resolve("cluster.key")) + "\"; }\n"
                + "links { udp { peer = \"127.0.0.1\"; port = \"" + freePort() + "\"; bind = \"127.0.0.1\"; } }\n"
                + "fencing { node { name = \"pf2\"; level { device { type = \"fence_virt\"; address = \"127.0.0.1\";"
                + " port = \"" + gatewayPort + "\"; key_file = \"" + fenceKey + "\"; auth = \"sha256\"; domain = \"test\"; } } } }\n");
        supervisors.put("packaged (jlink runtime, AppCDS, daemon.jvm)",
                cmd(root.resolve("usr/sbin/palisade").toString(), "supervisor", "-f", supConf.toString()));
        supervisors.put("today's jar, system JDK (bin/palisade)",
                todayJava("-jar", jar.toString(), "supervisor", "-f", supConf.toString()));
        // the normal boot: its peer pf2 runs (on 127.0.0.2, its own state and control socket), so the first
        // heartbeat ends initdead and READY follows
        int pairPort = freePort();
        String common = " keepalive = \"100ms\"; deadtime = \"1s\"; initdead = \"2s\";";
        String fence = " level { device { type = \"fence_virt\"; address = \"127.0.0.1\"; port = \"" + gatewayPort
                + "\"; key_file = \"" + fenceKey + "\"; auth = \"sha256\"; domain = \"test\"; } } } }\n";
        Path clusterKey = work.resolve("cluster.key");
        Path upConf = work.resolve("palisade-up.conf");
        Files.writeString(upConf, "supervisor { node = \"pf1\"; peer = \"pf2\";" + common + " control_socket = \""
                + work.resolve("control-up.sock") + "\"; }\n" + "auth { key_file = \"" + clusterKey + "\"; }\n"
                + "links { udp { peer = \"127.0.0.2\"; port = \"" + pairPort + "\"; bind = \"127.0.0.1\"; } }\n"
                + "fencing { node { name = \"pf2\";" + fence);
        Path peerConf = work.resolve("palisade-peer.conf");
        Files.createDirectories(work.resolve("peer-state"));
        Files.writeString(peerConf, "supervisor { node = \"pf2\"; peer = \"pf1\";" + common + " control_socket = \""
                + work.resolve("control-peer.sock") + "\"; state_dir = \"" + work.resolve("peer-state") + "\"; }\n"
                + "auth { key_file = \"" + clusterKey + "\"; }\n"
                + "links { udp { peer = \"127.0.0.1\"; port = \"" + pairPort + "\"; bind = \"127.0.0.2\"; } }\n"
                + "fencing { node { name = \"pf1\";" + fence);
        Map<String, List<String>> peerUp = new LinkedHashMap<>();
        peerUp.put("packaged, peer up (READY at its first heartbeat)",
                cmd(root.resolve("usr/sbin/palisade").toString(), "supervisor", "-f", upConf.toString()));
        peerUp.put("today's jar, peer up", todayJava("-jar", jar.toString(), "supervisor", "-f", upConf.toString()));

        StringBuilder out = new StringBuilder();
        out.append("### Start to READY=1 and RSS (").append(trials).append(" starts each, taking turns)\n\n");
        out.append("| process | variant | start to READY median ms | p99 ms | RSS median MiB | max MiB |\n|---|---|---:|---:|---:|---:|\n");
        startup(out, "gateway", gateways, trials, Duration.ofSeconds(2));
        // the supervisor's fence device needs a gateway: the packaged one runs under the supervisors
        try (Daemon gw = Daemon.start(gateways.values().iterator().next(), work.resolve("gw"))) {
            gw.awaitReady(Duration.ofSeconds(30));
            startup(out, "supervisor", supervisors, trials, Duration.ofSeconds(5));
            try (Daemon peer = Daemon.start(cmd(root.resolve("usr/sbin/palisade").toString(), "supervisor", "-f",
                    peerConf.toString()), work.resolve("peer"))) {
                peer.awaitReady(Duration.ofSeconds(30));
                startup(out, "supervisor", peerUp, trials, Duration.ofSeconds(5));
            }
            try (Daemon sup = Daemon.start(supervisors.values().iterator().next(), work.resolve("sup"))) {
                sup.awaitReady(Duration.ofSeconds(30));
                Thread.sleep(4000); // past initdead: decided, peer fenced through the gateway
                clients(out, trials * 4, sock);
            }
        }
        System.out.print(out);
    }

    private void startup(StringBuilder out, String what, Map<String, List<String>> variants, int trials,
            Duration settle) throws Exception {
        Map<String, double[]> ready = new LinkedHashMap<>();
        Map<String, double[]> rss = new LinkedHashMap<>();
        variants.keySet().forEach(k -> {
            ready.put(k, new double[trials]);
            rss.put(k, new double[trials]);
        });
        for (int t = 0; t < trials; t++) {
            for (var e : variants.entrySet()) {
                try (Daemon d = Daemon.start(e.getValue(), work.resolve(what + t))) {
                    ready.get(e.getKey())[t] = d.awaitReady(Duration.ofSeconds(30));
                    Thread.sleep(settle.toMillis());
                    rss.get(e.getKey())[t] = d.rssMiB();
                }
            }
        }
        for (String k : variants.keySet()) {
            double[] r = Percentiles.sorted(ready.get(k));
            double[] m = Percentiles.sorted(rss.get(k));
            out.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.1f | %.1f |%n", what, k,
                    Percentiles.median(r), Percentiles.p99(r), Percentiles.median(m), m[m.length - 1]));
        }
    }

    private void clients(StringBuilder out, int trials, Path sock) throws Exception {
        String fence = "-T 127.0.0.1 -p " + gatewayPort + " -k " + fenceKey + " -o status -H test";
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("ctl status: packaged launcher (jlink, client AppCDS archive, client.jvm: C1 only, SerialGC, no perf data)",
                cmd(root.resolve("usr/sbin/palisade").toString(), "ctl", "-s", sock.toString(), "status"));
        v.put("ctl status: same without an AppCDS archive (the jlink runtime has no other)",
                cmd(lib.resolve("runtime/bin/java").toString(), "@" + lib.resolve("client.jvm"),
                        "-Djna.boot.library.path=" + lib.resolve("native"), "-jar", lib.resolve("palisade.jar").toString(),
                        "ctl", "-s", sock.toString(), "status"));
        v.put("ctl status: packaged with C2 too (no -XX:TieredStopAtLevel=1)",
                cmd(lib.resolve("runtime/bin/java").toString(), "@" + lib.resolve("client.jvm"),
                        "-XX:TieredStopAtLevel=4", "-XX:SharedArchiveFile=" + lib.resolve("client.jsa"),
                        "-jar", lib.resolve("palisade.jar").toString(), "ctl", "-s", sock.toString(), "status"));
        v.put("ctl status: today's jar, system JDK (its default CDS)", todayJava("-jar", jar.toString(), "ctl", "-s",
                sock.toString(), "status"));
        v.put("ctl status: today's jar, system JDK, -XX:TieredStopAtLevel=1", todayJava("-XX:TieredStopAtLevel=1",
                "-jar", jar.toString(), "ctl", "-s", sock.toString(), "status"));
        v.put("ctl status: today's jar, system JDK, -Xshare:off", todayJava("-Xshare:off", "-jar", jar.toString(),
                "ctl", "-s", sock.toString(), "status"));
        List<String> pk = cmd(gwLib.resolve("bin/fence_palisade").toString());
        pk.addAll(List.of(fence.split(" ")));
        v.put("fence_palisade -o status: packaged (gateway package)", pk);
        List<String> tj = todayJava("-jar", jar.toString(), "fence_palisade");
        tj.addAll(List.of(fence.split(" ")));
        v.put("fence_palisade -o status: today's jar, system JDK (bin/fence_palisade)", tj);
        v.put("floor: an empty main() on the system JDK", cmd(today, "-Xshare:auto", "-cp", work.toString(), "Empty"));
        Files.writeString(work.resolve("Empty.java"), "public class Empty { public static void main(String[] a) { } }");
        run(List.of(System.getProperty("java.home") + "/bin/javac", "-d", work.toString(),
                work.resolve("Empty.java").toString()));
        Map<String, double[]> ms = new LinkedHashMap<>();
        v.keySet().forEach(k -> ms.put(k, new double[trials]));
        for (int t = -3; t < trials; t++) { // three warm-up rounds (page cache)
            for (var e : v.entrySet()) {
                long t0 = System.nanoTime();
                run(e.getValue());
                if (t >= 0) {
                    ms.get(e.getKey())[t] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        out.append("\n### Whole client processes (").append(trials).append(" runs each, taking turns)\n\n");
        out.append("| command | median ms | p99 ms |\n|---|---:|---:|\n");
        for (String k : v.keySet()) {
            double[] s = Percentiles.sorted(ms.get(k));
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f |%n", k, Percentiles.median(s),
                    Percentiles.p99(s)));
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        // fence_palisade -o status exits 2 for a machine that is off (the supervisor fenced it), and ctl status
        // answers with the monitoring exit codes (1 degraded ... 3 unknown: this node has no peer): answers too
        boolean answered = p.exitValue() == 2 && cmd.contains("status") && cmd.contains("-T")
                || p.exitValue() <= 3 && cmd.contains("ctl") && cmd.contains("status");
        if (p.exitValue() != 0 && !answered) {
            throw new IllegalStateException("exit " + p.exitValue() + ": " + cmd);
        }
    }

    private static Path secret(Path file) throws Exception {
        Files.write(file, new java.security.SecureRandom().generateSeed(64));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A daemon started with NOTIFY_SOCKET, timed from the start of the process to READY=1 (HttpBench uses it too). */
    static final class Daemon implements AutoCloseable {
        private final Process process;
        private final NotifySocketListener listener;
        private final long started;
        private final Path dir;

        private Daemon(Process process, NotifySocketListener listener, long started, Path dir) {
            this.process = process;
            this.listener = listener;
            this.started = started;
            this.dir = dir;
        }

        static Daemon start(List<String> cmd, Path dir) throws Exception {
            Files.createDirectories(dir);
            NotifySocketListener l = NotifySocketListener.bind(dir.resolve("notify"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("NOTIFY_SOCKET", l.address());
            long t0 = System.nanoTime();
            return new Daemon(pb.start(), l, t0, dir);
        }

        /** Milliseconds from the start to READY=1. */
        double awaitReady(Duration timeout) throws Exception {
            var m = listener.await(x -> x.has("READY"), timeout).orElseThrow(() -> new IllegalStateException(
                    "no READY=1: " + read(dir.resolve("log"))));
            return (m.nanos() - started) / 1e6;
        }

        double rssMiB() throws Exception {
            return status(process.pid(), "VmRSS:") / 1024.0;
        }

        long pid() {
            return process.pid();
        }

        /** A number field of /proc/PID/status ({@code VmRSS:} in KiB, {@code Threads:}). */
        static long status(long pid, String field) throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            throw new IllegalStateException("no " + field + " for " + pid);
        }

        private static String read(Path p) {
            try {
                return Files.readString(p);
            } catch (java.io.IOException e) {
                return "";
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            listener.close();
        }
    }
}
