package dev.palisade.supervisor.failover;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 10,000 random fault schedules of the pair through the production node ({@link PairSimulation}): never two
 * powered nodes holding resources, never two writable, never a promotion of a disk that lacks an acknowledged
 * write, no healthy peer fenced after it was heard again, and after a calm exactly one node ACTIVE where one may
 * be, both nodes hearing each other, nothing stray. A failing schedule prints the seed that replays it:
 * {@code mvn test -pl supervisor -Dtest=FailoverSimulationTest -Dpalisade.sim.seed=N} (with its whole trace).
 * {@code -Dpalisade.sim.schedules} and {@code -Dpalisade.sim.base} run others (make soak runs a million).
 */
@Tag("simulation")
class FailoverSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("palisade.sim.schedules", 10_000);
    private static final long DURATION_MS = 40_000;

    @Test
    void randomFaultSchedulesNeverBreakTheSafetyRules() {
        Long only = Long.getLong("palisade.sim.seed");
        long base = Long.getLong("palisade.sim.base", 20261205L);
        long takeovers = 0;
        long fences = 0;
        long writes = 0;
        long events = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < (only != null ? 1 : SCHEDULES); i++) {
            long seed = only != null ? only : base + i;
            PairSimulation sim = new PairSimulation(seed);
            String v = sim.run(DURATION_MS);
            if (v != null || only != null) {
                String trace = String.join("\n", only != null ? sim.trace
                        : sim.trace.subList(Math.max(0, sim.trace.size() - 150), sim.trace.size()));
                if (v != null) {
                    throw new AssertionError("schedule seed=" + seed + " broke a safety rule: " + v
                            + "\nreplay: mvn test -pl supervisor -Dtest=FailoverSimulationTest -Dpalisade.sim.seed="
                            + seed + "\n" + trace);
                }
                System.out.println(trace);
            }
            takeovers += sim.takeovers();
            fences += sim.fences;
            writes += sim.writes;
            events += sim.events;
            if (i > 0 && i % 100_000 == 0) {
                System.out.printf("%d schedules, %d events, %.0f s%n", i, events, (System.nanoTime() - t0) / 1e9);
            }
        }
        System.out.printf("simulation: %d schedule(s) from seed %d: %d events, %d takeovers, %d fences, %d acknowledged"
                + " writes, %.1f s%n", only != null ? 1 : SCHEDULES, only != null ? only : base, events, takeovers, fences,
                writes, (System.nanoTime() - t0) / 1e9);
        // the schedules exercised what they are meant to
        assertTrue(only != null || takeovers > SCHEDULES / 2, takeovers + " takeovers");
        assertTrue(only != null || fences > SCHEDULES / 10, fences + " fences");
        assertTrue(only != null || writes > SCHEDULES * 100L, writes + " writes");
    }
}
