package dev.palisade.supervisor.fencing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.testing.FakeRmcpBmc;
import dev.palisade.drivers.testing.TestTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator over real IPMI sessions to BMCs that are slow to cut power, never cut it, or never
 * answer (the fake suite-17 BMC plays them): success only once power reads off, levels in order, the race
 * delay honoured and cancellable.
 */
class FenceCoordinatorTest {
    private final List<FakeRmcpBmc> bmcs = new ArrayList<>();
    private final List<FenceCoordinator.Step> seen = new ArrayList<>();
    private final FenceCoordinator coordinator = new FenceCoordinator(FenceCoordinator.SYSTEM);

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            bmcs.add(FakeRmcpBmc.start());
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (FakeRmcpBmc b : bmcs) {
            b.close();
        }
    }

    private FenceDevice device(int i) {
        return new IpmiFenceDevice(bmcs.get(i).target(CipherSuite.SUITE_17));
    }

    private FenceCoordinator.Plan plan(Duration delay, Duration verify, List<List<Integer>> levels) {
        List<FenceCoordinator.Level> ls = new ArrayList<>();
        for (List<Integer> l : levels) {
            ls.add(new FenceCoordinator.Level(l.stream().map(this::device).toList()));
        }
        return new FenceCoordinator.Plan("pf2", delay, ls, TestTime.scaled(verify), Duration.ofMillis(100));
    }

    private FenceCoordinator.Outcome fence(FenceCoordinator.Plan p, FenceCoordinator.Action a) throws Exception {
        return coordinator.fence(p, a, () -> true, seen::add);
    }

    @Test
    void successWaitsUntilPowerReallyReadsOff() throws Exception {
        bmcs.get(0).offDelay(Duration.ofMillis(600));
        FenceCoordinator.Outcome o = fence(plan(Duration.ZERO, Duration.ofSeconds(5), List.of(List.of(0))),
                FenceCoordinator.Action.OFF);
        assertTrue(o.fenced(), o.steps().toString());
        assertFalse(bmcs.get(0).powerOn());
        FenceCoordinator.Step verify = o.steps().get(1);
        assertEquals("power verified off", verify.what());
        assertTrue(verify.millis() >= 500, verify.toString());
        assertFalse(verify.detail().startsWith("1 "), "more than one status read: " + verify);
        assertEquals(o.steps(), seen, "every step was reported as it happened");
    }

    @Test
    void aStuckRelayFailsItsLevelAndTheNextLevelFences() throws Exception {
        bmcs.get(0).ignoreOff(true);
        FenceCoordinator.Outcome o = fence(plan(Duration.ZERO, Duration.ofMillis(800), List.of(List.of(0), List.of(1))),
                FenceCoordinator.Action.OFF);
        assertTrue(o.fenced());
        assertEquals(2, o.level());
        assertTrue(o.steps().stream().anyMatch(s -> s.level() == 1 && !s.ok() && s.what().equals("verify off")
                && s.detail().contains("power still reads on")), o.steps().toString());
        assertTrue(bmcs.get(0).powerOn(), "level 1's node never went off");
        assertFalse(bmcs.get(1).powerOn());
    }

    @Test
    void aLevelNeedsEveryDeviceOff() throws Exception {
        bmcs.get(1).ignoreOff(true);
        FenceCoordinator.Outcome o = fence(plan(Duration.ZERO, Duration.ofMillis(500), List.of(List.of(0, 1))),
                FenceCoordinator.Action.OFF);
        assertFalse(o.fenced(), "one of two power supplies still feeds the node");
        assertTrue(o.summary().contains("NOT fenced"), o.summary());
    }

    @Test
    void anUnreachableBmcFailsAndNothingElseIsClaimed() throws Exception {
        bmcs.get(0).fault(FakeRmcpBmc.Fault.SILENT);
        FenceCoordinator.Outcome o = fence(plan(Duration.ZERO, Duration.ofSeconds(1), List.of(List.of(0))),
                FenceCoordinator.Action.OFF);
        assertFalse(o.fenced());
        assertTrue(o.steps().get(0).detail().contains("no answer from the BMC"), o.steps().toString());
    }

    @Test
    void rebootOfANodeThatIsAlreadyOffTurnsItOn() throws Exception {
        bmcs.get(0).power(false);
        FenceCoordinator.Outcome o = fence(plan(Duration.ZERO, Duration.ofSeconds(2), List.of(List.of(0))),
                FenceCoordinator.Action.REBOOT);
        assertTrue(o.fenced());
        assertEquals(List.of("0", "1"), bmcs.get(0).controls());
        assertTrue(bmcs.get(0).powerOn());
    }

    @Test
    void theRaceDelayIsWaitedAndCanBeCancelled() throws Exception {
        FenceCoordinator.Outcome o = fence(plan(Duration.ofMillis(400), Duration.ofSeconds(2), List.of(List.of(0))),
                FenceCoordinator.Action.OFF);
        assertTrue(o.fenced());
        assertTrue(o.millis() >= 400, o.millis() + " ms");
        assertTrue(o.steps().get(0).what().startsWith("race delay 400 ms"));

        AtomicBoolean wanted = new AtomicBoolean(true);
        long t0 = System.nanoTime();
        Thread peerCameBack = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            wanted.set(false);
        });
        peerCameBack.start();
        FenceCoordinator.Outcome c = coordinator.fence(plan(Duration.ofSeconds(5), Duration.ofSeconds(2),
                List.of(List.of(1))), FenceCoordinator.Action.OFF, wanted::get, s -> { });
        peerCameBack.join();
        assertTrue(c.cancelled() && !c.fenced());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000, "cancelled during the delay");
        assertEquals(List.of(), bmcs.get(1).controls(), "no power command was sent");
    }

    @Test
    void everySessionIsClosed() throws Exception {
        bmcs.get(0).offDelay(Duration.ofMillis(300));
        fence(plan(Duration.ZERO, Duration.ofSeconds(2), List.of(List.of(0))), FenceCoordinator.Action.REBOOT);
        assertTrue(bmcs.get(0).openedSessions() >= 3);
        assertEquals(bmcs.get(0).openedSessions(), bmcs.get(0).closedSessions());
        assertEquals(0, bmcs.get(0).activeSessions());
    }
}
