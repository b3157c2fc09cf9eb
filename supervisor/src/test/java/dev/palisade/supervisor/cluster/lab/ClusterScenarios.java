package dev.palisade.supervisor.cluster.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.cluster.galera.GraState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster's scenarios on the three-node lab ({@link ClusterLab}), one after another on the same cluster, with
 * the application writing rows through the VIP the whole time; each ends with every node Synced again and checks
 * that every acknowledged row is on every node. Long: run by {@code make acceptance}
 * (scripts/acceptance-cluster.sh), not by {@code make test}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScenarios {
    private static Path dir;
    private static ClusterLab lab;
    private static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("cluster-scenarios");
        lab = ClusterLab.create(dir, ClusterLab.Timing.TEST);
        for (int i = 0; i < lab.size(); i++) {
            assertEquals(0, lab.power(i, "on").exit());
        }
        assertTrue(ClusterLab.await(Duration.ofSeconds(180), ClusterScenarios::allSynced), logs());
        lab.createApp(0);
        lab.startWriter();
        awaitRows(200);
    }

    @AfterAll
    static void tearDown() throws Exception {
        report.forEach(System.out::println);
        Files.write(Path.of("target", "cluster-scenarios.txt"), report);
        if (lab != null) {
            lab.close();
        }
        ClusterLab.remove(dir);
    }

    @AfterEach
    void everyNodeSyncedAgainAndEveryAcknowledgedRowOnEveryNode(TestInfo t) throws Exception {
        assertTrue(ClusterLab.await(Duration.ofSeconds(180), ClusterScenarios::allSynced), t.getDisplayName() + logs());
        awaitRows(100);
        NavigableMap<Long, Long> acks = lab.acknowledged();
        for (int i = 0; i < lab.size(); i++) {
            int n = i;
            assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
                Set<Long> rows = lab.rowsOn(n);
                return rows != null && rows.containsAll(acks.keySet());
            }), "n" + (i + 1) + " misses acknowledged rows after " + t.getDisplayName() + logs());
        }
        report.add(t.getDisplayName() + ": all " + acks.size() + " acknowledged rows on every node");
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
            sb.append("\n--- n").append(i + 1).append(":\n").append(l.length() > 6000 ? l.substring(l.length() - 6000) : l);
        }
        Path w = dir.resolve("writer.log");
        String wl = Files.exists(w) ? Files.readString(w) : "";
        return sb + "\n--- writer:\n" + (wl.length() > 2000 ? wl.substring(wl.length() - 2000) : wl) + "\nstates: "
                + lab.states();
    }

    static void awaitRows(int more) throws Exception {
        int base = lab.acknowledged().size();
        assertTrue(ClusterLab.await(Duration.ofSeconds(90), () -> lab.acknowledged().size() >= base + more),
                "the writer stopped at " + base + " rows" + logs());
    }

    /** The first acknowledgement at or after {@code t} (epoch ms). */
    static long firstAckAfter(long t) throws Exception {
        return lab.acknowledged().values().stream().filter(x -> x >= t).min(Long::compare).orElse(-1L);
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

    static int nonHolder() throws Exception {
        int h = lab.vipHolder();
        return h == 0 ? 1 : 0;
    }

    static String decision(int i) {
        return lab.ctl(i, "status").lines().filter(l -> l.startsWith("decision: ")).findFirst().orElse("");
    }

    static int logMark(int i) throws Exception {
        return lab.log(i).length();
    }

    static void powerOn(int... nodes) throws Exception {
        for (int n : nodes) {
            assertEquals(0, lab.power(n, "on").exit());
        }
    }

    @Test
    @Order(1)
    void oneNodeKilledTheVipMovesToASyncedNodeAndWritesContinue() throws Exception {
        for (boolean holder : new boolean[] {false, true}) {
            int victim = holder ? lab.vipHolder() : nonHolder();
            long cut = System.currentTimeMillis();
            assertEquals(0, lab.power(victim, "off").exit());
            assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
                int h = lab.vipHolder();
                return h >= 0 && h != victim;
            }), logs());
            awaitRows(200);
            long[] gap = largestGapAfter(cut);
            report.add("1. power cut of n" + (victim + 1) + (holder ? " (the VIP holder)" : " (not the VIP holder)")
                    + ": writes stopped " + (gap[1] - gap[0]) + " ms, VIP on n" + (lab.vipHolder() + 1));
            powerOn(victim);
            assertTrue(ClusterLab.await(Duration.ofSeconds(180), ClusterScenarios::allSynced), logs());
        }
    }

    @Test
    @Order(2)
    void partitionOneAgainstTwoTheMinorityReleasesTheVipAndRefusesWritesTheMajorityGoesOn() throws Exception {
        // a minority that holds nothing: it is not fenced; it refuses writes until the partition heals
        int m = nonHolder();
        long t0 = System.currentTimeMillis();
        lab.isolate(m);
        assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> lab.state(m).contains("RUNNING")
                && !lab.state(m).contains("Primary") && lab.ctl(m, "status").contains("NOT quorate")), logs());
        assertNull(lab.sql(m, "INSERT INTO app.ledger (n) VALUES (-1)"), "the minority took a write");
        awaitRows(200);
        long[] gap = largestGapAfter(t0);
        assertNotEquals(m, lab.vipHolder());
        assertTrue(lab.bmc[m].hostPid() > 0, "a minority that holds nothing is not fenced");
        lab.heal(m);
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), ClusterScenarios::allSynced), logs());
        report.add("2a. n" + (m + 1) + " cut off (held nothing): it refused writes, not fenced; the majority's "
                + "writes stopped " + (gap[1] - gap[0]) + " ms; rejoined on heal");
        // the minority holds the VIP: it releases it at once; the majority fences it before taking the VIP
        int h = lab.vipHolder();
        int mark = logMark(h);
        long t1 = System.currentTimeMillis();
        lab.isolate(h);
        assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> {
            int x = lab.vipHolder();
            return x >= 0 && x != h;
        }), logs());
        awaitRows(200);
        long[] gap2 = largestGapAfter(t1);
        String minorityLog = lab.log(h).substring(mark);
        assertTrue(minorityLog.contains("releasing VIP vi_db [10.88.0.100/24]: the partition is not quorate"),
                "the minority did not release the VIP: " + minorityLog);
        lab.heal(h);
        powerOn(h); // the majority powered it off
        report.add("2b. n" + (h + 1) + " (the VIP holder) cut off: it released the VIP (not quorate), the majority "
                + "fenced it and took the VIP; writes stopped " + (gap2[1] - gap2[0]) + " ms");
    }

    /** Cuts {@code first} alone, lets writes go on, then cuts the two others at once; returns the two. */
    static int[] staggeredOutage(int first) throws Exception {
        assertEquals(0, lab.power(first, "off").exit());
        assertTrue(ClusterLab.await(Duration.ofSeconds(30), () -> lab.vipHolder() >= 0 && lab.vipHolder() != first),
                logs());
        awaitRows(300); // the others get ahead of it
        int[] others = java.util.stream.IntStream.range(0, 3).filter(i -> i != first).toArray();
        List<Thread> cuts = new ArrayList<>();
        for (int o : others) {
            cuts.add(new Thread(() -> {
                try {
                    lab.power(o, "off");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        cuts.forEach(Thread::start);
        for (Thread c : cuts) {
            c.join();
        }
        return others;
    }

    @Test
    @Order(3)
    void fullPowerLossThenAllBackTheMostAdvancedNodeIsBootstrappedAndNoAcknowledgedRowIsLost() throws Exception {
        int stale = nonHolder();
        int[] ahead = staggeredOutage(stale);
        int[] marks = {logMark(0), logMark(1), logMark(2)};
        long on = System.currentTimeMillis();
        powerOn(0, 1, 2);
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), () -> firstAckAfter(on) > 0), logs());
        long writable = firstAckAfter(on) - on;
        int winner = -1;
        for (int i = 0; i < 3; i++) {
            if (lab.log(i).substring(marks[i]).contains("elected to bootstrap")) {
                assertEquals(-1, winner, "two nodes bootstrapped" + logs());
                winner = i;
            }
        }
        assertTrue(winner == ahead[0] || winner == ahead[1], "n" + (winner + 1) + " bootstrapped, not one of the "
                + "nodes that went down last" + logs());
        assertFalse(lab.log(stale).substring(marks[stale]).contains("elected"), "the stale node bootstrapped");
        assertTrue(lab.log(winner).substring(marks[winner]).contains("(recovered)"), "positions came from "
                + "--wsrep-recover (grastate.dat said -1)");
        report.add("3. full power loss (n" + (stale + 1) + " first, then the others): n" + (winner + 1)
                + " elected and bootstrapped; writable through the VIP " + writable + " ms after power on");
    }

    @Test
    @Order(4)
    void fullPowerLossWithOneNodeMissingNoBootstrapUntilItReturnsOrForceBootstrap() throws Exception {
        for (boolean force : new boolean[] {false, true}) {
            // the missing node is one that did not hold the VIP: what the holder acknowledged is on the node it
            // holds, and a forced election without the holder could lose rows it applied alone (that is the risk
            // an operator takes with force-bootstrap, and why the election waits by default)
            int holder = lab.vipHolder();
            int missing = holder == 2 ? 1 : 2;
            int[] present = java.util.stream.IntStream.range(0, 3).filter(i -> i != missing).toArray();
            String name = "n" + (missing + 1);
            lab.powerOffAll();
            int[] marks = {logMark(0), logMark(1), logMark(2)};
            long on = System.currentTimeMillis();
            powerOn(present);
            assertTrue(ClusterLab.await(Duration.ofSeconds(60), () -> decision(present[0]).contains("waiting for " + name)
                    && decision(present[1]).contains("waiting for " + name)), logs());
            Thread.sleep(10_000); // and it stays so
            for (int i : present) {
                assertTrue(lab.state(i).contains("REPORTED"), lab.state(i));
                assertFalse(lab.log(i).substring(marks[i]).contains("elected"), logs());
            }
            assertEquals(-1, lab.vipHolder());
            if (!force) {
                long back = System.currentTimeMillis();
                powerOn(missing);
                assertTrue(ClusterLab.await(Duration.ofSeconds(120), () -> firstAckAfter(back) > 0), logs());
                report.add("4a. full power loss, " + name + " missing: no bootstrap for " + (back - on) / 1000
                        + " s; writable " + (firstAckAfter(back) - back) + " ms after " + name + " came back");
            } else {
                String answer = lab.ctl(present[0], "force-bootstrap " + name);
                assertTrue(answer.startsWith(name + " fenced"), answer);
                long forced = System.currentTimeMillis();
                assertTrue(ClusterLab.await(Duration.ofSeconds(120), () -> firstAckAfter(forced) > 0), logs());
                assertTrue(lab.log(present[0]).contains("operator: force-bootstrap " + name), "the command is logged");
                report.add("4b. full power loss, " + name + " missing: 'palisade ctl force-bootstrap " + name
                        + "' fenced it and the election went on: writable " + (firstAckAfter(forced) - forced)
                        + " ms after the command");
                powerOn(missing);
            }
            assertTrue(ClusterLab.await(Duration.ofSeconds(180), ClusterScenarios::allSynced), logs());
        }
    }

    @Test
    @Order(5)
    void theStaleNodeComesBackFirstAndWaits() throws Exception {
        int stale = nonHolder();
        int[] ahead = staggeredOutage(stale);
        int mark = logMark(stale);
        powerOn(stale);
        assertTrue(ClusterLab.await(Duration.ofSeconds(60), () -> decision(stale).contains("waiting for quorum")),
                logs());
        powerOn(ahead[0]);
        assertTrue(ClusterLab.await(Duration.ofSeconds(60), () -> decision(stale).contains("waiting for n"
                + (ahead[1] + 1))), logs());
        Thread.sleep(5_000);
        assertTrue(lab.state(stale).contains("REPORTED"), lab.state(stale));
        long back = System.currentTimeMillis();
        powerOn(ahead[1]);
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), () -> firstAckAfter(back) > 0), logs());
        assertFalse(lab.log(stale).substring(mark).contains("elected"), "the stale node bootstrapped" + logs());
        report.add("5. n" + (stale + 1) + " (stale) back first: it waited (alone: no quorum; then for n"
                + (ahead[1] + 1) + "); writable " + (firstAckAfter(back) - back) + " ms after the last node came back");
    }

    @Test
    @Order(6)
    void aGrastateWithSeqnoMinusOneIsRecoveredAndTakesPartInTheElection() throws Exception {
        // an orderly stop, node by node: the last one is marked safe_to_bootstrap
        int[] order = {0, 1, 2};
        for (int i : order) {
            lab.stopSupervisor(i);
            lab.power(i, "off");
        }
        Path gra = dir.resolve("n3/mysql/grastate.dat");
        GraState clean = GraState.parse(Files.readAllBytes(gra));
        assertTrue(clean.safeToBootstrap() && clean.seqno() > 0, clean.toString());
        // as a crash of n3 would leave it
        Files.writeString(gra, Files.readString(gra).replaceFirst("seqno:\\s+\\d+", "seqno:   -1"));
        int[] marks = {logMark(0), logMark(1), logMark(2)};
        long on = System.currentTimeMillis();
        powerOn(0, 1, 2);
        assertTrue(ClusterLab.await(Duration.ofSeconds(120), () -> firstAckAfter(on) > 0), logs());
        String n3 = lab.log(2).substring(marks[2]);
        assertTrue(n3.contains("--wsrep-recover found " + clean.uuid() + ":" + clean.seqno()), n3);
        assertTrue(n3.contains("elected to bootstrap: n3 has the highest seqno " + clean.seqno()), n3);
        report.add("6. grastate.dat of n3 set to seqno -1: --wsrep-recover found " + clean.seqno() + ", n3 elected "
                + "on it (its safe_to_bootstrap mark not trusted on a recovered position); writable "
                + (firstAckAfter(on) - on) + " ms after power on");
    }
}
