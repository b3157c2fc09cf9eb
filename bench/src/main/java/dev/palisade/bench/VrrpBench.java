package dev.palisade.bench;

import dev.palisade.drivers.net.ArpProbe;
import dev.palisade.supervisor.vrrp.VrrpLan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * VRRP failover, ours and keepalived at the same settings in one run (VrrpLan: two nodes and an observer
 * on a bridge, each in its own network namespace). A trial: master (priority 150) on n1, backup (100) on
 * n2, elected and settled; at a random point of the advert cycle the master's node dies (daemon SIGKILL,
 * link down) or its daemon stops gracefully (SIGTERM); the time is from then until the backup's MAC
 * answers the observer's ARP probes (every 10 ms) for the virtual address.
 *
 * <p>Usage: VrrpBench TRIALS
 */
public final class VrrpBench {
    private VrrpBench() {
    }

    interface Starter {
        VrrpLan.Daemon start(VrrpLan lan, String ns, int version, String advert, int priority) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        Starter ka = VrrpLan::keepalived;
        Starter ours = VrrpLan::ours;
        System.out.println("| case | keepalived 2.2.7: median / p99 / max ms | palisade: median / p99 / max ms | ratio (medians) | theory |");
        System.out.println("|---|---|---|---|---|");
        row("v2, advert 1 s, master node dies", trials, 2, "1", false, ka, ours, "2.61-3.61 s (MDI 3.609 s)");
        row("v3, advert 0.1 s, master node dies", trials, 3, "0.1", false, ka, ours, "0.26-0.36 s (MDI 0.361 s)");
        row("v3, advert 0.1 s, graceful stop (priority 0)", trials, 3, "0.1", true, ka, ours, "skew 0.061 s");
        row("v2, advert 1 s, graceful stop (priority 0)", Math.max(5, trials / 4), 2, "1", true, ka, ours, "skew 0.609 s");
    }

    private static void row(String name, int trials, int version, String advert, boolean graceful, Starter ka,
                            Starter ours, String theory) throws Exception {
        double[] k = trials(trials, version, advert, graceful, ka);
        double[] o = trials(trials, version, advert, graceful, ours);
        System.out.printf(Locale.ROOT, "| %s (%d trials each) | %s | %s | %.3fx | %s |%n", name, trials, cell(k), cell(o),
                median(o) / median(k), theory);
    }

    private static double[] trials(int n, int version, String advert, boolean graceful, Starter s) throws Exception {
        double[] ms = new double[n];
        double adv = Double.parseDouble(advert);
        for (int i = 0; i < n; i++) {
            Path dir = Files.createTempDirectory("vrrpbench");
            try (VrrpLan lan = VrrpLan.create(dir); ArpProbe probe = lan.observe()) {
                String m1 = lan.mac(lan.n1);
                String m2 = lan.mac(lan.n2);
                VrrpLan.Daemon master = s.start(lan, lan.n1, version, advert, 150);
                s.start(lan, lan.n2, version, advert, 100);
                if (probe.awaitAnswer(m1, 0, 30_000) < 0) {
                    throw new IllegalStateException("no master elected: " + master.log());
                }
                Thread.sleep((long) (adv * 2000) + 500);
                Thread.sleep((long) (ThreadLocalRandom.current().nextDouble() * adv * 1000));
                long t0 = System.nanoTime();
                if (graceful) {
                    master.term();
                } else {
                    lan.die(lan.n1, master);
                }
                long at = probe.awaitAnswer(m2, t0, 30_000);
                if (at < 0) {
                    throw new IllegalStateException("the backup never answered");
                }
                ms[i] = (at - t0) / 1e6;
            } finally {
                dev.palisade.drivers.testing.Scratch.deleteTree(dir);
            }
        }
        return ms;
    }

    private static double median(double[] v) {
        return Percentiles.median(Percentiles.sorted(v));
    }

    private static String cell(double[] v) {
        double[] s = Percentiles.sorted(v);
        return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", Percentiles.median(s), Percentiles.p99(s),
                s[s.length - 1]);
    }
}
