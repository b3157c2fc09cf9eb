package dev.palisade.bench;

import dev.palisade.supervisor.cluster.lab.ClusterLab;
import dev.palisade.supervisor.pair.PairLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Three cluster nodes on Corosync and Galera ({@link ClusterLab}: each node powered by its own ipmi_sim, its own
 * corosync, mariadbd with galera-4 and supervisor; the application writing rows through the VIP the whole time).
 * TRIALS times each: the power cut of the VIP holder (power off -> writable through the VIP, broken down from the
 * new holder's log), the power cut of another node (the writes' gap), a full outage with every node cut at once
 * and all powered back (Galera's pc.recovery), and a full outage with one node cut first and the two others
 * later (the election and a bootstrap). Every acknowledged row is checked after each trial. Prints a markdown
 * table.
 *
 * <p>{@code ClusterBench TRIALS}
 */
public final class ClusterBench {
    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        Path dir = Files.createTempDirectory("palisade-clusterbench");
        Map<String, List<Long>> m = new LinkedHashMap<>();
        String cut = "power cut of the VIP holder: ";
        for (String k : List.of(cut + "corosync membership without it", cut + "fenced (IPMI off, verified)",
                cut + "VIP taken by a synced node", cut + "power off -> writable through the VIP (client)",
                "power cut of another node: writes stopped (client gap)",
                "full outage, all cut at once, all back: power on -> writable through the VIP",
                "full outage, one cut first, all back: power on -> writable through the VIP (election)",
                "full outage, one cut first, all back: power on -> every node Synced")) {
            m.put(k, new ArrayList<>());
        }
        long lost = 0;
        long rows;
        try (ClusterLab lab = ClusterLab.create(dir, ClusterLab.Timing.FAST)) {
            for (int i = 0; i < lab.size(); i++) {
                lab.power(i, "on");
            }
            require(ClusterLab.await(Duration.ofSeconds(180), () -> allSynced(lab)), "the cluster did not come up");
            lab.createApp(0);
            lab.startWriter();
            awaitRows(lab, 300);
            for (int t = 0; t < trials; t++) {
                // the VIP holder's power cut
                int holder = lab.vipHolder();
                int[] marks = new int[lab.size()];
                for (int i = 0; i < lab.size(); i++) {
                    marks[i] = lab.log(i).length();
                }
                long asked = System.currentTimeMillis();
                lab.power(holder, "off");
                long off = PairBench.hostStopped(lab.bmc[holder].hostLog());
                require(ClusterLab.await(Duration.ofSeconds(60), () -> lab.vipHolder() >= 0 && lab.vipHolder() != holder),
                        "the VIP did not move");
                awaitRows(lab, 300);
                int next = lab.vipHolder();
                String log = lab.log(next).substring(marks[next]);
                long[] gap = PairLab.largestGapAfter(lab.acknowledged(), asked);
                m.get(cut + "corosync membership without it").add(PairBench.at(log, "group palisade: members") - off);
                m.get(cut + "fenced (IPMI off, verified)").add(PairBench.at(log, "fenced: power verified off") - off);
                m.get(cut + "VIP taken by a synced node").add(PairBench.at(log, "taking VIP") - off);
                m.get(cut + "power off -> writable through the VIP (client)").add(gap[1] - off);
                lost += lost(lab);
                lab.power(holder, "on");
                require(ClusterLab.await(Duration.ofSeconds(180), () -> allSynced(lab)), "n" + (holder + 1) + " did not rejoin");
                awaitRows(lab, 300);
                // another node's power cut
                int other = lab.vipHolder() == 0 ? 1 : 0;
                long asked2 = System.currentTimeMillis();
                lab.power(other, "off");
                awaitRows(lab, 300);
                long[] gap2 = PairLab.largestGapAfter(lab.acknowledged(), asked2);
                m.get("power cut of another node: writes stopped (client gap)").add(gap2[1] - gap2[0]);
                lab.power(other, "on");
                require(ClusterLab.await(Duration.ofSeconds(180), () -> allSynced(lab)), "n" + (other + 1) + " did not rejoin");
                awaitRows(lab, 300);
                lost += lost(lab);
                // a full outage, every node at once
                lab.powerOffAll();
                long on = System.currentTimeMillis();
                for (int i = 0; i < lab.size(); i++) {
                    lab.power(i, "on");
                }
                require(ClusterLab.await(Duration.ofSeconds(180), () -> firstAckAfter(lab, on) > 0), "not writable again");
                m.get("full outage, all cut at once, all back: power on -> writable through the VIP")
                        .add(firstAckAfter(lab, on) - on);
                require(ClusterLab.await(Duration.ofSeconds(180), () -> allSynced(lab)), "not all Synced");
                awaitRows(lab, 300);
                lost += lost(lab);
                // a full outage, one node first: positions differ, saved views differ: the election decides
                int first = lab.vipHolder() == 2 ? 1 : 2;
                lab.power(first, "off");
                awaitRows(lab, 300);
                lab.powerOffAll();
                long on2 = System.currentTimeMillis();
                for (int i = 0; i < lab.size(); i++) {
                    lab.power(i, "on");
                }
                require(ClusterLab.await(Duration.ofSeconds(180), () -> firstAckAfter(lab, on2) > 0), "not writable again");
                m.get("full outage, one cut first, all back: power on -> writable through the VIP (election)")
                        .add(firstAckAfter(lab, on2) - on2);
                require(ClusterLab.await(Duration.ofSeconds(300), () -> allSynced(lab)), "not all Synced");
                m.get("full outage, one cut first, all back: power on -> every node Synced")
                        .add(System.currentTimeMillis() - on2);
                awaitRows(lab, 300);
                lost += lost(lab);
                System.err.printf("cluster trial %d: holder cut %d ms, full outage %d / %d ms%n", t + 1, gap[1] - off,
                        firstAckAfter(lab, on) - on, firstAckAfter(lab, on2) - on2);
            }
            lab.stopWriter();
            rows = lab.acknowledged().size();
        } finally {
            dev.palisade.drivers.testing.Scratch.deleteTree(dir);
        }
        System.out.println("| step (" + trials + " trials) | median | max | min |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, List<Long>> e : m.entrySet()) {
            List<Long> v = new ArrayList<>(e.getValue());
            v.sort(Long::compare);
            System.out.printf("| %s | %d ms | %d ms | %d ms |%n", e.getKey(), PairBench.median(v), v.get(v.size() - 1),
                    v.get(0));
        }
        System.out.printf("%nAcknowledged rows: %d written through the VIP across all trials; acknowledged rows missing "
                + "on any node after a trial: %d.%n", rows, lost);
    }

    private static boolean allSynced(ClusterLab lab) throws Exception {
        for (String s : lab.states()) {
            if (!s.contains("RUNNING Primary Synced ready")) {
                return false;
            }
        }
        return lab.vipHolder() >= 0;
    }

    /** Acknowledged rows missing on any running node. */
    static long lost(ClusterLab lab) throws Exception {
        NavigableMap<Long, Long> acks = lab.acknowledged();
        long worst = 0;
        for (int i = 0; i < lab.size(); i++) {
            Set<Long> rows = lab.rowsOn(i);
            if (rows != null) {
                worst = Math.max(worst, acks.keySet().stream().filter(n -> !rows.contains(n)).count());
            }
        }
        return worst;
    }

    static long firstAckAfter(ClusterLab lab, long t) throws Exception {
        return lab.acknowledged().values().stream().filter(x -> x >= t).min(Long::compare).orElse(-1L);
    }

    static void awaitRows(ClusterLab lab, int more) throws Exception {
        int base = lab.acknowledged().size();
        require(ClusterLab.await(Duration.ofSeconds(120), () -> lab.acknowledged().size() >= base + more),
                "the writer stopped at " + base + " rows");
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
