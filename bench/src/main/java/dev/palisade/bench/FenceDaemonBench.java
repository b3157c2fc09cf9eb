package dev.palisade.bench;

import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Our fence gateway and the real fence_virtd, side by side in one run, on the same configuration, domain
 * XML and key (bench/fence-daemon-bench.sh sets them up inside a network namespace):
 * start-up time, round trip of status and list with an in-process client and with the stock fence_virt,
 * throughput with 16 concurrent clients, and resident memory.
 *
 * <p>All daemons run at once, each on its own port; latency samples alternate between them, throughput runs
 * one daemon at a time.
 *
 * <p>Usage: FenceDaemonBench KEY SAMPLES STOCK_SAMPLES SECONDS NAME@PORT=COMMAND...
 */
public final class FenceDaemonBench {
    /** Event-loop threads of the wrk-style load generator. */
    private static final int LOAD_THREADS = Integer.getInteger("palisade.bench.loadThreads", 2);
    /**
     * Round trips of each kind before any is measured: enough for the JVM's optimising compiler to have
     * finished with the request path (it compiles a method after about 10,000 calls), so every daemon is
     * measured in its steady state, as a gateway that has run for a while is.
     */
    private static final int WARMUP = Integer.getInteger("palisade.bench.warmup", 12_000);
    /** Round trips on the restarted daemon before its throughput runs. */
    private static final int THROUGHPUT_WARMUP = Integer.getInteger("palisade.bench.throughputWarmup", 2_000);
    /** Quiet time before each throughput run: longer than the 10-second request history of both daemons. */
    private static final long QUIET_MS = Long.getLong("palisade.bench.quietMs", 11_000);

    private FenceDaemonBench() {
    }

    record Stats(double median, double p99, int n, int failures) {
        String cell() {
            return String.format(Locale.ROOT, "%.3f / %.3f", median, p99);
        }
    }

    record Row(String name, double startupMs, Stats status, Stats list, Stats stockStatus, Stats stockList,
               double throughput, double serverCpuUs, double clientCpuUs, double loadThroughput, double loadServerCpuUs,
               double loadClientCpuUs, long rssKb, long hwmKb, int threads) {
    }

    public static void main(String[] args) throws Exception {
        Path key = Path.of(args[0]);
        int samples = Integer.parseInt(args[1]);
        int stockSamples = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        List<Daemon> daemons = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            int at = args[i].indexOf('@');
            int eq = args[i].indexOf('=');
            daemons.add(new Daemon(args[i].substring(0, at),
                    new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i].substring(at + 1, eq))),
                    Arrays.asList(args[i].substring(eq + 1).split(" "))));
        }
        FenceKey fenceKey = FenceKey.load(key);
        FenceVirtClient client = new FenceVirtClient(fenceKey, HashType.SHA256, HashType.SHA256,
                Duration.ofSeconds(10));
        try {
            for (Daemon d : daemons) {
                d.startupMs = d.start(client);
            }
            for (Daemon d : daemons) {
                for (int i = 0; i < WARMUP; i++) {
                    roundTrip(client, d.addr, RequestCode.STATUS, "appliance-a");
                    roundTrip(client, d.addr, RequestCode.HOSTLIST, "");
                }
            }
            // Round trips interleaved, one daemon after the other in turn, so that a change in the machine's
            // load during the run weighs on every daemon alike.
            int n = daemons.size();
            double[][] status = new double[n][samples];
            double[][] list = new double[n][samples];
            double[][] stockStatus = new double[n][stockSamples];
            double[][] stockList = new double[n][stockSamples];
            int[][] fails = new int[n][4];
            // fence_virtd scans its whole 10-second request history on every request: each cell starts
            // after the history has emptied, so the warm-up does not weigh on its numbers
            Thread.sleep(QUIET_MS);
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    int k = (i + j) % n;
                    status[k][i] = inProcess(client, daemons.get(k).addr, RequestCode.STATUS, "appliance-a", fails[k], 0);
                }
            }
            Thread.sleep(QUIET_MS);
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    int k = (i + j) % n;
                    list[k][i] = inProcess(client, daemons.get(k).addr, RequestCode.HOSTLIST, "", fails[k], 1);
                }
            }
            for (int i = 0; i < stockSamples; i++) {
                for (int j = 0; j < n; j++) {
                    int k = (i + j) % n;
                    Daemon d = daemons.get(k);
                    stockStatus[k][i] = stock(d.stockCommand(key, "-o", "status", "-H", "appliance-a"), fails[k], 2);
                    stockList[k][i] = stock(d.stockCommand(key, "-o", "list"), fails[k], 3);
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Daemon d = daemons.get(k);
                rows.add(d.throughput(client, fenceKey, seconds, stats(status[k], fails[k][0]), stats(list[k], fails[k][1]),
                        stats(stockStatus[k], fails[k][2]), stats(stockList[k], fails[k][3])));
            }
            print(rows, samples, stockSamples, seconds);
        } finally {
            for (Daemon d : daemons) {
                d.stop();
            }
        }
    }

    /** One daemon under test, on its own port. */
    private static final class Daemon {
        final String name;
        final InetSocketAddress addr;
        final List<String> cmd;
        DaemonProcess process;
        double startupMs;

        Daemon(String name, InetSocketAddress addr, List<String> cmd) {
            this.name = name;
            this.addr = addr;
            this.cmd = cmd;
        }

        /** Starts the daemon; returns ms until it answered a status request. */
        double start(FenceVirtClient client) throws Exception {
            System.err.println("== " + name + " on port " + addr.getPort() + ": " + String.join(" ", cmd));
            process = DaemonProcess.start(cmd, Path.of("/tmp/palisade-bench-" + name + ".log"));
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
                try {
                    if (roundTrip(client, addr, RequestCode.STATUS, "appliance-a").code() == 0) {
                        return (System.nanoTime() - t0) / 1e6;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(2);
                }
            }
            throw new IllegalStateException(name + " did not answer within 30 s");
        }

        List<String> stockCommand(Path key, String... op) {
            List<String> c = new ArrayList<>(List.of("fence_virt", "-T", "127.0.0.1", "-p",
                    String.valueOf(addr.getPort()), "-k", key.toString()));
            c.addAll(List.of(op));
            return c;
        }

        /** The throughput runs (the other daemons sit idle meanwhile), then memory. */
        Row throughput(FenceVirtClient client, FenceKey key, int seconds, Stats status, Stats list, Stats stockStatus,
                       Stats stockList) throws Exception {
            // A fresh process for the throughput runs: fence_virtd keeps its request history in a list of
            // malloc'd nodes scanned twice per request, and a process that has served the tens of thousands
            // of requests of the latency cells serves fewer per second than a fresh one, even once the list
            // has emptied. Each daemon is restarted and warmed alike, which favours fence_virtd.
            stop();
            start(client);
            for (int i = 0; i < THROUGHPUT_WARMUP; i++) {
                roundTrip(client, addr, RequestCode.STATUS, "appliance-a");
            }
            long pid = process.process().pid();
            // fence_virtd keeps a 10-second request history that it scans whole on every request: every
            // throughput run starts after it has emptied, so each daemon starts both runs from the same state
            Thread.sleep(QUIET_MS);
            long[] before = ticks(pid);
            long[] done = new long[1];
            double tput = FenceDaemonBench.throughput(client, addr, 16, seconds, done);
            double[] cpu = perRequest(pid, before, done[0]);
            // the same 16 conversations in flight, kept busy by event-loop threads (wrk-style)
            Thread.sleep(QUIET_MS);
            before = ticks(pid);
            long[] counts = new long[2];
            double loadTput = new FenceLoad(key, addr, "appliance-a", Duration.ofSeconds(10))
                    .run(16, LOAD_THREADS, Duration.ofSeconds(seconds), counts);
            if (counts[1] > 0) {
                System.err.println("   " + name + " event-loop load: " + counts[1] + " failed requests");
            }
            double[] loadCpu = perRequest(pid, before, counts[0]);
            long[] mem = memory(pid);
            System.err.printf(Locale.ROOT, "   %s: startup %.0f ms, status %s, list %s, stock %s / %s, %.0f req/s "
                            + "(%.0f / %.0f us), event-loop load %.0f req/s (%.0f / %.0f us), RSS %d KiB%n",
                    name, startupMs, status.cell(), list.cell(), stockStatus.cell(), stockList.cell(), tput, cpu[0], cpu[1],
                    loadTput, loadCpu[0], loadCpu[1], mem[0]);
            return new Row(name, startupMs, status, list, stockStatus, stockList, tput, cpu[0], cpu[1], loadTput,
                    loadCpu[0], loadCpu[1], mem[0], mem[1], (int) mem[2]);
        }

        void stop() throws InterruptedException {
            if (process != null) {
                process.close();
                process = null;
            }
        }
    }

    /**
     * One request with the in-process client on the calling thread (a blocking socket, as the stock clients
     * use): the same client work for every daemon, and no client event loop to share the cores with.
     */
    static FenceVirtClient.Result roundTrip(FenceVirtClient c, InetSocketAddress addr, RequestCode op, String vm)
            throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(addr, 3000);
            return c.stream(s, op, vm);
        }
    }

    /** One round trip with the in-process client, in ms; a failure is counted in {@code fails[slot]}. */
    private static double inProcess(FenceVirtClient c, InetSocketAddress addr, RequestCode op, String vm, int[] fails,
                                    int slot) {
        long t = System.nanoTime();
        try {
            fails[slot] += roundTrip(c, addr, op, vm).code() == 0 ? 0 : 1;
        } catch (IOException e) {
            fails[slot]++;
        }
        return (System.nanoTime() - t) / 1e6;
    }

    /** One run of the stock client, in ms, process start included. */
    private static double stock(List<String> cmd, int[] fails, int slot) throws Exception {
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int rc = p.waitFor();
        double ms = (System.nanoTime() - t) / 1e6;
        fails[slot] += rc == 0 ? 0 : 1;
        return ms;
    }

    /** CPU clock ticks (10 ms, from /proc/PID/stat) of the daemon and of this process, in that order. */
    private static long[] ticks(long daemonPid) throws IOException {
        return new long[] {cpuTicks(daemonPid), cpuTicks(ProcessHandle.current().pid())};
    }

    /** µs of CPU per request since {@code before} ({@link #ticks}): the daemon's, then this process's. */
    private static double[] perRequest(long daemonPid, long[] before, long requests) throws IOException {
        long[] now = ticks(daemonPid);
        return new double[] {(now[0] - before[0]) * 10_000.0 / Math.max(1, requests),
                (now[1] - before[1]) * 10_000.0 / Math.max(1, requests)};
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double throughput(FenceVirtClient c, InetSocketAddress addr, int clients, int seconds, long[] count)
            throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (roundTrip(c, addr, RequestCode.STATUS, "appliance-a").code() == 0) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            t.start();
            ts.add(t);
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : ts) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        count[0] = done.get();
        if (failed.get() > 0) {
            System.err.println("   throughput run: " + failed.get() + " failed requests");
        }
        return done.get() / secs;
    }

    private static long[] memory(long pid) throws IOException {
        long rss = -1;
        long hwm = -1;
        long threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "VmRSS:" -> rss = Long.parseLong(f[1]);
                case "VmHWM:" -> hwm = Long.parseLong(f[1]);
                case "Threads:" -> threads = Long.parseLong(f[1]);
                default -> { }
            }
        }
        return new long[] {rss, hwm, threads};
    }

    private static Stats stats(double[] ms, int fail) {
        double[] s = Percentiles.sorted(ms);
        return new Stats(Percentiles.median(s), Percentiles.p99(s), s.length, fail);
    }

    private static void print(List<Row> rows, int samples, int stockSamples, int seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("| daemon | start-up ms | status in-process median / p99 ms | list in-process median / p99 ms "
                + "| status stock fence_virt median / p99 ms | list stock fence_virt median / p99 ms "
                + "| throughput, 16 blocking clients, req/s | CPU per request, daemon / client µs "
                + "| throughput, 16 connections on event-loop load, req/s | CPU per request, daemon / client µs "
                + "| RSS / peak KiB | threads |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT,
                    "| %s | %.0f | %s | %s | %s | %s | %.0f | %.0f / %.0f | %.0f | %.0f / %.0f | %d / %d | %d |%n",
                    r.name, r.startupMs, r.status.cell(), r.list.cell(), r.stockStatus.cell(), r.stockList.cell(),
                    r.throughput, r.serverCpuUs, r.clientCpuUs, r.loadThroughput, r.loadServerCpuUs, r.loadClientCpuUs,
                    r.rssKb, r.hwmKb, r.threads));
        }
        Row real = find(rows, "fence_virtd");
        Row floor = find(rows, "floor");
        Row floorNio = find(rows, "floor-nio");
        for (Row ours : rows) {
            if (real == null || !ours.name.startsWith("palisade")) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%nRatios (%s / %s): status median %.2fx, p99 %.2fx; list median %.2fx, "
                            + "p99 %.2fx; stock-client status median %.2fx; throughput %.1fx with 16 blocking clients, "
                            + "%.1fx with the event-loop load; RSS %.1fx; start-up %.1fx.%n",
                    ours.name, real.name, ours.status.median / real.status.median, ours.status.p99 / real.status.p99,
                    ours.list.median / real.list.median, ours.list.p99 / real.list.p99,
                    ours.stockStatus.median / real.stockStatus.median, ours.throughput / real.throughput,
                    ours.loadThroughput / real.loadThroughput, (double) ours.rssKb / real.rssKb,
                    ours.startupMs / real.startupMs));
            if (floor != null) {
                sb.append(String.format(Locale.ROOT, "Floor (protocol bytes only: no checks, no hypervisor): %.1fx / "
                                + "%.1fx fence_virtd's throughput (blocking clients / event-loop load); %s reaches %.0f%% / "
                                + "%.0f%% of it.%n",
                        floor.throughput / real.throughput, floor.loadThroughput / real.loadThroughput, ours.name,
                        100 * ours.throughput / floor.throughput, 100 * ours.loadThroughput / floor.loadThroughput));
            }
            if (floorNio != null) {
                sb.append(String.format(Locale.ROOT, "Floor on NIO: %.1fx / %.1fx fence_virtd's throughput; %s reaches "
                                + "%.0f%% / %.0f%% of it.%n", floorNio.throughput / real.throughput,
                        floorNio.loadThroughput / real.loadThroughput, ours.name,
                        100 * ours.throughput / floorNio.throughput, 100 * ours.loadThroughput / floorNio.loadThroughput));
            }
        }
        int failures = 0;
        for (Row r : rows) {
            failures += r.status.failures + r.list.failures + r.stockStatus.failures + r.stockList.failures;
        }
        sb.append(String.format(Locale.ROOT, "%nSamples: %d in-process and %d stock-client round trips per cell after "
                        + "%d warm-up round trips of each kind and %d s quiet; throughput on a freshly restarted daemon "
                        + "warmed with %d status requests, over %d s per run after %d s quiet; failed requests: %d.%n",
                samples, stockSamples, WARMUP, QUIET_MS / 1000, THROUGHPUT_WARMUP, seconds, QUIET_MS / 1000, failures));
        System.out.print(sb);
    }

    private static Row find(List<Row> rows, String name) {
        return rows.stream().filter(r -> r.name.equals(name)).findFirst().orElse(null);
    }
}
