package dev.palisade.supervisor.failover;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * 10,000 random fault schedules of the pair (partitions, delays, crashes and reboots, fence failures, slow
 * and failing starts and stops, operator commands) through the real failover machine. Never two powered
 * nodes holding resources; no resource started before its predecessors are ready; no failed stop reported
 * as success. A failing schedule prints the seed that replays it:
 * {@code mvn test -pl supervisor -Dtest=FailoverSimulationTest -Dpalisade.sim.seed=N}.
 */
class FailoverSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("palisade.sim.schedules", 10_000);
    private static final long DURATION_MS = 30_000;

    @Test
    void randomFaultSchedulesNeverBreakTheSafetyRules() {
        Long only = Long.getLong("palisade.sim.seed");
        long base = Long.getLong("palisade.sim.base", 20261122L);
        int takeovers = 0;
        int fences = 0;
        for (int i = 0; i < (only != null ? 1 : SCHEDULES); i++) {
            long seed = only != null ? only : base + i;
            FailoverSimulation sim = new FailoverSimulation(seed);
            String v = sim.run(DURATION_MS);
            if (v != null) {
                throw new AssertionError("schedule seed=" + seed + " broke a safety rule: " + v
                        + "\nreplay: mvn test -pl supervisor -Dtest=FailoverSimulationTest -Dpalisade.sim.seed=" + seed
                        + "\n" + String.join("\n", sim.trace.subList(Math.max(0, sim.trace.size() - 60), sim.trace.size())));
            }
            if (only != null) {
                System.out.println(String.join("\n", sim.trace));
                System.out.println("events " + sim.events + ", takeovers " + sim.takeovers + ", fences " + sim.fences);
            }
            takeovers += sim.takeovers;
            fences += sim.fences;
        }
        // the schedules exercised what they are meant to: takeovers after verified fences happened
        assertTrue(takeovers > SCHEDULES / 2 || only != null, takeovers + " takeovers");
        assertTrue(fences > SCHEDULES / 10 || only != null, fences + " fences");
    }
}
