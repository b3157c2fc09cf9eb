package dev.palisade.supervisor.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The appliance pair end to end ({@link PairLab}): two supervisors, real ipmi_sim power, a socat null-modem
 * cable and a UDP crossover link, an ext4 disk image, real MariaDB, the VIP by VRRP; an application writes
 * rows through the VIP the whole time. Keepalive 100 ms, deadtime 500 ms.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PairFailoverTest {
    private static Path dir;
    private static PairLab lab;

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("pair");
        // -Dpalisade.pair.priorityDelay=300ms runs the partition case at the benchmark's priority fencing delay
        lab = PairLab.create(dir, PairLab.Timing.FAST.withPriorityDelay(System.getProperty("palisade.pair.priorityDelay",
                PairLab.Timing.FAST.priorityDelay())));
        assertEquals(0, lab.power(0, "on").exit());
        assertEquals(0, lab.power(1, "on").exit());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (Boolean.getBoolean("palisade.pair.keep")) {
            System.out.println("pair: kept " + dir);
            return;
        }
        dev.palisade.drivers.testing.Scratch.deleteTree(dir);
    }

    private static String logs() throws Exception {
        Path w = dir.resolve("writer.log");
        return "\n--- pf1:\n" + tail(lab.log(0)) + "\n--- pf2:\n" + tail(lab.log(1)) + "\n--- writer:\n"
                + (Files.exists(w) ? tail(Files.readString(w)) : "");
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    @Test
    @Order(1)
    void theHomeNodeTakesTheGroupAndStatusShowsBothNodesLinksResourcesAndTheVip() throws Exception {
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                "pf2", "STANDBY"))), "states " + lab.states() + logs());
        String status = lab.ctl(0, "status");
        assertTrue(status.startsWith("node pf1: ACTIVE"), status);
        assertTrue(status.contains("peer pf2: STANDBY, membership alive"), status);
        assertTrue(status.contains("serial ") && status.contains("udp eth1 10.97.0.2:6940"), status);
        assertTrue(status.matches("(?s).*filesystem .*: RUNNING.*mariadb .*: RUNNING.*vip vi_db .*: RUNNING.*"), status);
        assertTrue(status.contains("vip vi_db [10.98.0.100/24]: held by pf1"), status);
        assertTrue(PairLab.await(Duration.ofSeconds(5), () -> lab.ctl(1, "status")
                .contains("not here (VRRP BACKUP; peer pf1 is ACTIVE)")), lab.ctl(1, "status"));
        Commands.Result ctl = Commands.run(20_000, PairLab.palisade("ctl", "-s", lab.controlSocket(1).toString(),
                "status"));
        assertEquals(0, ctl.exit(), ctl.toString());
        assertTrue(ctl.stdout().startsWith("node pf2: STANDBY"), ctl.stdout());
        Commands.Result bad = Commands.run(20_000, PairLab.palisade("ctl", "-s", lab.controlSocket(1).toString(),
                "explode"));
        assertEquals(100, bad.exit(), bad.toString());
        assertTrue(bad.stdout().contains("unknown command 'explode'"), bad.toString());
    }

    @Test
    @Order(2)
    void activeNodePowerCutTheStandbyFencesTakesOverAndNoAcknowledgedRowIsLost() throws Exception {
        lab.startWriter();
        assertTrue(PairLab.await(Duration.ofSeconds(30), () -> count() >= 300), "the writer writes: " + count()
                + logs());
        long cut = System.currentTimeMillis();
        int before = count();
        assertEquals(0, lab.power(0, "off").exit());
        assertTrue(PairLab.await(Duration.ofSeconds(30), () -> lab.state(1).equals("ACTIVE")), lab.states() + logs());
        assertTrue(PairLab.await(Duration.ofSeconds(30), () -> count() >= before + 300), "writes resume: " + count()
                + logs());
        NavigableMap<Long, Long> acks = lab.acknowledged();
        long[] gap = PairLab.largestGapAfter(acks, cut);
        System.out.printf("pair: power cut of the active node: writes stopped %d ms after the off command, resumed "
                + "through the VIP %d ms after it (%d ms without an acknowledged row)%n", gap[0] - cut, gap[1] - cut,
                gap[1] - gap[0]);
        assertTrue(lab.ctl(1, "status").contains("pf1 fenced: power verified off"), lab.ctl(1, "status"));
        assertTrue(lab.power(0, "status").stdout().strip().endsWith("is off"));
        Set<Long> rows = lab.rowsOn(1);
        List<Long> missing = acks.keySet().stream().filter(n -> !rows.contains(n)).toList();
        assertTrue(missing.isEmpty(), "acknowledged rows " + missing + " are missing after takeover" + logs());
    }

    @Test
    @Order(3)
    void theFencedNodeRejoinsAsStandbyAndASwitchoverBackLosesNoRow() throws Exception {
        assertEquals(0, lab.power(0, "on").exit());
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "STANDBY",
                "pf2", "ACTIVE"))), "auto_failback off: pf1 comes back as standby " + lab.states() + logs());
        int before = count();
        long asked = System.currentTimeMillis();
        String answer = lab.ctl(1, "switchover");
        assertTrue(answer.startsWith("ok: switchover"), answer);
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                "pf2", "STANDBY"))), lab.states() + logs());
        assertTrue(PairLab.await(Duration.ofSeconds(30), () -> count() >= before + 300), "writes resume" + logs());
        long[] gap = PairLab.largestGapAfter(lab.acknowledged(), asked);
        System.out.printf("pair: switchover downtime (largest gap between acknowledged rows): %d ms%n",
                gap[1] - gap[0]);
        lab.stopWriter();
        NavigableMap<Long, Long> acks = lab.acknowledged();
        Set<Long> rows = lab.rowsOn(0);
        List<Long> missing = acks.keySet().stream().filter(n -> !rows.contains(n)).toList();
        assertTrue(missing.isEmpty(), "acknowledged rows " + missing + " are missing after the switchover" + logs());
        assertTrue(lab.power(1, "status").stdout().strip().endsWith("is on"), "a switchover fences nobody");
    }

    @Test
    @Order(4)
    void anOrderlyShutdownOfTheActiveNodeHandsTheGroupOverBeforeItStops() throws Exception {
        int before = occurrences(log0(), "every resource verified stopped");
        int fencesOfPf1 = occurrences(lab.log(1), "fence pf1:");
        assertEquals(0, lab.power(0, "soft").exit()); // ACPI soft-off: SIGTERM to the node
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "OFF",
                "pf2", "ACTIVE"))), lab.states() + logs());
        assertTrue(occurrences(log0(), "every resource verified stopped") > before, "pf1 stopped its group" + logs());
        assertTrue(log0().contains("supervisor: leaving in order (nothing held)"), logs());
        Thread.sleep(dev.palisade.drivers.testing.TestTime.scaled(Duration.ofSeconds(1)).toMillis());
        assertEquals(fencesOfPf1, occurrences(lab.log(1), "fence pf1:"), "a node that left in order is not fenced"
                + logs());
        Set<Long> rows = lab.rowsOn(1);
        for (Long n : lab.acknowledged().keySet()) {
            assertTrue(rows.contains(n), "acknowledged row " + n + " is missing after the shutdown" + logs());
        }
        assertEquals(0, lab.power(0, "on").exit());
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.state(0).equals("STANDBY")), logs());
        assertTrue(lab.ctl(1, "switchover").startsWith("ok: switchover"));
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                "pf2", "STANDBY"))), lab.states() + logs());
    }

    @Test
    @Order(5)
    void drbdsFencePeerHandlerHasTheSupervisorFenceThePeerAndSaysSoInDrbdsExitCodes() throws Exception {
        java.util.List<String> handler = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec", lab.ns[0],
                "env", "DRBD_RESOURCE=r0"));
        handler.addAll(PairLab.palisade("drbd-fence-peer", "-s", lab.controlSocket(0).toString()));
        int machineFences = occurrences(lab.log(0), "fence pf2 fenced: power verified off");
        Commands.Result r = Commands.run(120_000, handler);
        assertEquals(7, r.exit(), r.toString());
        assertTrue(r.stdout().startsWith("fenced: pf2 fenced: power verified off"), r.toString());
        assertTrue(powerIs(1, "off"));
        assertEquals("ACTIVE", lab.state(0), "the active node keeps the group");
        Commands.Result unreachable = Commands.run(20_000, PairLab.palisade("drbd-fence-peer", "-s",
                dir.resolve("nobody.sock").toString()));
        assertEquals(1, unreachable.exit(), "outside 3..7: DRBD keeps I/O frozen; " + unreachable);
        assertTrue(unreachable.stderr().contains("peer NOT fenced"), unreachable.toString());
        // pf1 then sees pf2 dead on its links and, being active, fences it once more (off reads off): wait for that
        // second fence (the handler's own is the first) before powering pf2 on, or it would cut the new boot
        assertTrue(PairLab.await(Duration.ofSeconds(20), () -> occurrences(log0(), "fence pf2 fenced: power verified off")
                >= machineFences + 2), logs());
        assertEquals(0, lab.power(1, "on").exit());
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                "pf2", "STANDBY"))), lab.states() + logs());
    }

    private static String log0() {
        try {
            return lab.log(0);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    @Order(6)
    void bothHeartbeatLinksCutWhileBothLiveExactlyOneStaysActiveAndTheOtherIsFenced() throws Exception {
        // "both live" means each hears the other on every link: a node that has just booted reaches STANDBY on one
        // frame from the active node, while the active node may not have heard it yet (its serial cable re-opens);
        // cut then, the active node still sees the peer it fenced, silent since, and the booting one wins the race
        assertTrue(PairLab.await(Duration.ofSeconds(40), () -> hearsPeerOnEveryLink(0, "pf2: STANDBY")
                && hearsPeerOnEveryLink(1, "pf1: ACTIVE")), lab.states() + logs());
        lab.partition();
        assertTrue(PairLab.await(Duration.ofSeconds(30), () -> powerIs(1, "off")),
                "pf2, which does not hold the group and so waits, is fenced by pf1, which fences at once" + logs());
        Thread.sleep(dev.palisade.drivers.testing.TestTime.scaled(Duration.ofSeconds(3)).toMillis());
        assertEquals("ACTIVE", lab.state(0), logs());
        assertTrue(lab.power(0, "status").stdout().strip().endsWith("is on"), "pf1 was not fenced: it won the race");
        assertEquals("OFF", lab.state(1));
    }


    private static boolean hearsPeerOnEveryLink(int node, String peerSays) {
        String status = lab.ctl(node, "status");
        String links = status.lines().filter(l -> l.startsWith("links:")).findFirst().orElse("");
        return status.contains("peer " + peerSays + ", membership alive") && links.contains(" up ")
                && !links.contains("DOWN");
    }

    private static boolean powerIs(int node, String what) {
        try {
            return lab.power(node, "status").stdout().strip().endsWith("is " + what);
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int count() {
        try {
            return lab.acknowledged().size();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
