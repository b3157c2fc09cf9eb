package dev.palisade.supervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Random fault schedules (power cuts and returns, partitions and heals, crashed servers, full outages,
 * force-bootstrap) through three real decision machines over a simulated Corosync (whose votequorum and CPG answers
 * race) and a simulated Galera ({@link ClusterSimulation}). Never two powered VIP holders; the VIP taken only in a
 * quorate component; a bootstrap only with no Primary Component anywhere and from a node holding every commit of
 * the nodes not given up; and a minute after the faults end, every node in one Primary Component with one VIP
 * holder. A failing schedule prints the seed that replays it:
 * {@code mvn test -pl supervisor -Dtest=ClusterSimulationTest -Dpalisade.sim.seed=N}.
 */
class ClusterSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("palisade.sim.schedules", 5_000);
    private static final long DURATION_MS = 60_000;

    @Test
    void randomFaultSchedulesNeverBreakTheSafetyRulesAndTheClusterComesBack() {
        Long only = Long.getLong("palisade.sim.seed");
        long base = Long.getLong("palisade.sim.base", 20261205L);
        int bootstraps = 0;
        int vipMoves = 0;
        int fences = 0;
        int joins = 0;
        for (int i = 0; i < (only != null ? 1 : SCHEDULES); i++) {
            long seed = only != null ? only : base + i;
            ClusterSimulation sim = new ClusterSimulation(seed);
            String v = sim.run(DURATION_MS);
            if (only != null) {
                System.out.println(String.join("\n", sim.trace));
            }
            if (v != null) {
                throw new AssertionError("schedule seed=" + seed + ": " + v + "\nreplay: mvn test -pl supervisor "
                        + "-Dtest=ClusterSimulationTest -Dpalisade.sim.seed=" + seed + "\n"
                        + String.join("\n", sim.trace.subList(Math.max(0, sim.trace.size() - 80), sim.trace.size())));
            }
            bootstraps += sim.bootstraps;
            vipMoves += sim.vipMoves;
            fences += sim.fences;
            joins += sim.joins;
        }
        // the schedules exercised what they are meant to
        assertTrue(only != null || bootstraps > SCHEDULES, bootstraps + " bootstraps");
        assertTrue(only != null || fences > SCHEDULES / 4, fences + " fences");
        assertTrue(only != null || vipMoves > SCHEDULES, vipMoves + " VIP takeovers");
        assertTrue(only != null || joins > SCHEDULES, joins + " joins");
    }
}
