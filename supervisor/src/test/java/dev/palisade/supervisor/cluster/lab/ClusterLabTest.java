package dev.palisade.supervisor.cluster.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three cluster nodes end to end ({@link ClusterLab}): the first boot of a new cluster (new_cluster_from n1
 * bootstraps, the others join by SST), the VIP on one synced node, and the power cut of the node holding it:
 * the VIP moves to a synced node after the dead one is fenced, writes go on, and every acknowledged row is there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLabTest {
    private static Path dir;
    private static ClusterLab lab;

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("cluster");
        lab = ClusterLab.create(dir, ClusterLab.Timing.TEST);
        for (int i = 0; i < lab.size(); i++) {
            assertEquals(0, lab.power(i, "on").exit());
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab != null) {
            lab.close();
        }
        ClusterLab.remove(dir);
    }

    static String logs() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lab.size(); i++) {
            String l = lab.log(i);
            sb.append("\n--- n").append(i + 1).append(":\n").append(l.length() > 5000 ? l.substring(l.length() - 5000) : l);
        }
        return sb + "\nstates: " + lab.states();
    }

    /** Every node's status says Primary, Synced and ready, and exactly one holds the VIP. */
    static boolean allSynced() throws Exception {
        for (String s : lab.states()) {
            if (!s.contains("RUNNING Primary Synced ready")) {
                return false;
            }
        }
        return lab.vipHolder() >= 0;
    }

    @Test
    @Order(1)
    void aNewClusterStartsFromTheNamedNodeAndTheOthersJoinIt() throws Exception {
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), ClusterLabTest::allSynced), logs());
        assertTrue(lab.log(0).contains("elected to bootstrap: n1 starts a new cluster"), logs());
        for (int i = 1; i < lab.size(); i++) {
            assertTrue(lab.log(i).contains("joining: "), logs());
        }
        lab.createApp(0);
        lab.startWriter();
        awaitRows(200);
    }

    static void awaitRows(int more) throws Exception {
        int base = lab.acknowledged().size();
        assertTrue(ClusterLab.await(Duration.ofSeconds(60), () -> lab.acknowledged().size() >= base + more),
                "the writer stopped at " + base + " rows" + logs() + "\n--- writer:\n" + Files.readString(dir.resolve("writer.log")));
    }

    static void everyAcknowledgedRowIsOnEveryRunningNode() throws Exception {
        NavigableMap<Long, Long> acks = lab.acknowledged();
        for (int i = 0; i < lab.size(); i++) {
            if (lab.state(i).equals("OFF")) {
                continue;
            }
            int n = i;
            assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
                Set<Long> rows = lab.rowsOn(n);
                return rows != null && rows.containsAll(acks.keySet());
            }), "n" + (i + 1) + " misses acknowledged rows" + logs());
        }
    }

    @Test
    @Order(2)
    void powerCutOfTheVipHolderMovesTheVipToASyncedNodeAfterItsFence() throws Exception {
        int holder = lab.vipHolder();
        assertTrue(holder >= 0);
        long cut = System.currentTimeMillis();
        assertEquals(0, lab.power(holder, "off").exit());
        assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
            int h = lab.vipHolder();
            return h >= 0 && h != holder;
        }), logs());
        awaitRows(200);
        int next = lab.vipHolder();
        assertTrue(lab.state(next).contains("RUNNING Primary Synced ready, holds the VIP"), lab.state(next));
        assertTrue(lab.log(next).contains("fenced: power verified off"), logs());
        long[] gap = largestGapAfter(lab.acknowledged(), cut);
        System.out.printf("power cut of n%d: writes stopped %d ms (the VIP moved to n%d)%n", holder + 1,
                gap[1] - gap[0], next + 1);
        everyAcknowledgedRowIsOnEveryRunningNode();
        assertEquals(0, lab.power(holder, "on").exit());
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), ClusterLabTest::allSynced), logs());
        awaitRows(200);
        everyAcknowledgedRowIsOnEveryRunningNode();
    }

    static long[] largestGapAfter(NavigableMap<Long, Long> acks, long from) {
        long prev = -1;
        long[] worst = {0, 0};
        for (long t : acks.values()) {
            if (prev > 0 && t >= from && t - prev > worst[1] - worst[0]) {
                worst = new long[] {prev, t};
            }
            prev = t;
        }
        return worst;
    }
}
