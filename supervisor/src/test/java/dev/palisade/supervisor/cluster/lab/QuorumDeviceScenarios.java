package dev.palisade.supervisor.cluster.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two appliances with Galera instead of DRBD, and a small third host that holds no data: corosync-qnetd (ffsplit)
 * gives the surviving appliance its quorum, garbd keeps its Galera node in the Primary Component. The power cut of
 * either appliance leaves the other writable through the VIP, every acknowledged row kept. Run by
 * {@code make acceptance}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuorumDeviceScenarios {
    private static Path dir;
    private static ClusterLab lab;
    private static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("cluster-qdevice");
        lab = ClusterLab.createWithArbitrator(dir, ClusterLab.Timing.TEST);
        for (int i = 0; i < lab.size(); i++) {
            assertEquals(0, lab.power(i, "on").exit());
        }
        assertTrue(ClusterLab.await(Duration.ofSeconds(180), QuorumDeviceScenarios::allSynced), logs());
        lab.startGarbd();
        assertTrue(ClusterLab.await(Duration.ofSeconds(60), () -> lab.sql(0,
                "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'").contains("\t3")), "garbd did not join" + logs());
        lab.createApp(0);
        lab.startWriter();
        awaitRows(200);
    }

    @AfterAll
    static void tearDown() throws Exception {
        report.forEach(System.out::println);
        Files.write(Path.of("target", "quorum-device-scenarios.txt"), report);
        if (lab != null) {
            lab.close();
        }
        ClusterLab.remove(dir);
    }

    static boolean allSynced() throws Exception {
        for (String s : lab.states()) {
            if (!s.contains("RUNNING Primary Synced ready")) {
                return false;
            }
        }
        return lab.vipHolder() >= 0;
    }

    static String logs() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lab.size(); i++) {
            String l = lab.log(i);
            sb.append("\n--- n").append(i + 1).append(":\n").append(l.length() > 5000 ? l.substring(l.length() - 5000) : l);
            Path q = dir.resolve("n" + (i + 1)).resolve("qdevice.out");
            if (Files.exists(q)) {
                String ql = Files.readString(q);
                sb.append("\n--- n").append(i + 1).append(" qdevice:\n").append(ql.length() > 1500 ? ql.substring(ql.length() - 1500) : ql);
            }
        }
        for (String f : List.of("qnetd.log", "garbd.log", "writer.log")) {
            Path p = dir.resolve(f);
            String t = Files.exists(p) ? Files.readString(p) : "";
            sb.append("\n--- ").append(f).append(":\n").append(t.length() > 1500 ? t.substring(t.length() - 1500) : t);
        }
        return sb + "\nstates: " + lab.states();
    }

    static void awaitRows(int more) throws Exception {
        int base = lab.acknowledged().size();
        assertTrue(ClusterLab.await(Duration.ofSeconds(90), () -> lab.acknowledged().size() >= base + more),
                "the writer stopped at " + base + " rows" + logs());
    }

    static long[] largestGapAfter(long from) throws Exception {
        long prev = -1;
        long[] worst = {0, 0};
        for (long t : lab.acknowledged().values()) {
            if (prev > 0 && t >= from && t - prev > worst[1] - worst[0]) {
                worst = new long[] {prev, t};
            }
            prev = t;
        }
        return worst;
    }

    @Test
    @Order(1)
    void withTheQuorumDeviceAndGarbdTheSurvivingApplianceStaysWritableAfterEitherOneIsCut() throws Exception {
        assertTrue(lab.ctl(0, "status").contains(", quorate"), lab.ctl(0, "status"));
        for (boolean holder : new boolean[] {true, false}) {
            int h = lab.vipHolder();
            int victim = holder ? h : 1 - h;
            int survivor = 1 - victim;
            long cut = System.currentTimeMillis();
            assertEquals(0, lab.power(victim, "off").exit());
            assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> lab.vipHolder() == survivor
                    && lab.state(survivor).contains("RUNNING Primary Synced ready, holds the VIP")), logs());
            awaitRows(200);
            assertTrue(lab.ctl(survivor, "status").contains(", quorate"), "the quorum device's vote" + logs());
            long[] gap = largestGapAfter(cut);
            NavigableMap<Long, Long> acks = lab.acknowledged();
            Set<Long> rows = lab.rowsOn(survivor);
            assertTrue(rows != null && rows.containsAll(acks.keySet()), "acknowledged rows missing" + logs());
            report.add("qdevice: power cut of n" + (victim + 1) + (holder ? " (the VIP holder)" : "")
                    + ": n" + (survivor + 1) + " stayed quorate (qnetd) and Primary (garbd); writes stopped "
                    + (gap[1] - gap[0]) + " ms; all " + acks.size() + " acknowledged rows there");
            assertEquals(0, lab.power(victim, "on").exit());
            assertTrue(ClusterLab.await(Duration.ofSeconds(180), QuorumDeviceScenarios::allSynced), logs());
            awaitRows(100);
            NavigableMap<Long, Long> after = lab.acknowledged();
            assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
                Set<Long> r = lab.rowsOn(victim);
                return r != null && r.containsAll(after.keySet());
            }), "n" + (victim + 1) + " misses acknowledged rows after rejoining" + logs());
        }
    }
}
