package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.IpmiFenceDevice;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fence device monitor against a real BMC (OpenIPMI's ipmi_sim, spoken to by the production IPMI client), on
 * the production loop thread and fence lane: a device that answers is shown ok with its power; a BMC that stops
 * answering, or that reads the peer off while the peer is heard, is shown failed (and the node's health says so);
 * and no read is made while a fence runs.
 */
class FenceDeviceMonitorTest {
    private static final Duration INTERVAL = Duration.ofMillis(300);
    private final FatalHandler fatal = (where, e) -> {
        throw new AssertionError(where + " died", e);
    };
    private LoopThread loop;
    private ThreadLane lane;
    private IpmiSim bmc;
    private final AtomicBoolean heard = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        bmc = IpmiSim.start();
        loop = new LoopThread("test-loop", fatal);
        lane = new ThreadLane("test-fence", loop, fatal);
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        lane.close();
        loop.close();
        if (bmc != null) {
            bmc.close();
        }
    }

    private FenceCoordinator.Plan plan(Duration delay) {
        return new FenceCoordinator.Plan("pf2", delay, List.of(new FenceCoordinator.Level(List.of(
                new IpmiFenceDevice(bmc.target(CipherSuite.SUITE_3))))), TestTime.scaled(Duration.ofSeconds(10)),
                Duration.ofMillis(100));
    }

    /** Runs {@code what} on the loop and returns its answer. */
    private <T> T onLoop(Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.post(() -> f.complete(what.get()));
        return f.get(TestTime.millis(10_000), TimeUnit.MILLISECONDS);
    }

    private FenceDeviceMonitor.Check awaitCheck(FenceDeviceMonitor m, java.util.function.Predicate<FenceDeviceMonitor.Check> p)
            throws Exception {
        long end = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(20)).toNanos();
        while (System.nanoTime() < end) {
            List<FenceDeviceMonitor.Check> cs = onLoop(m::checks);
            if (!cs.isEmpty() && p.test(cs.get(0))) {
                return cs.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such check within 20 s; last: " + onLoop(m::checks));
    }

    private FenceDeviceMonitor monitor(FenceWorker worker, FenceCoordinator.Plan plan, BooleanSupplier peerHeard)
            throws Exception {
        FenceDeviceMonitor m = new FenceDeviceMonitor(loop, lane, worker::running, plan, INTERVAL, peerHeard);
        onLoop(() -> {
            m.start();
            return null;
        });
        return m;
    }

    @Test
    void aDeviceThatAnswersIsOkAndOneThatStopsAnsweringIsShownFailedAndDegradesHealth() throws Exception {
        FenceCoordinator.Plan plan = plan(Duration.ZERO);
        FenceDeviceMonitor m = monitor(new FenceWorker(loop, lane, plan), plan, heard::get);
        FenceDeviceMonitor.Check ok = awaitCheck(m, FenceDeviceMonitor.Check::ok);
        assertEquals("ON", ok.power());
        assertEquals(1, ok.level());
        assertTrue(ok.device().contains(Integer.toString(bmc.port())), ok.device());

        bmc.close(); // the BMC is gone (its network, its power supply)
        bmc = null;
        FenceDeviceMonitor.Check failed = awaitCheck(m, c -> !c.ok());
        assertEquals(null, failed.power());
        assertFalse(failed.error().isEmpty());
        Health h = Health.of(status(new NodeStatus.Fencing("1 level(s)", null, 1000, null, false,
                INTERVAL.toMillis(), List.of(failed))));
        assertEquals(Health.Level.DEGRADED, h.level(), h.line());
        assertTrue(h.line().contains("failed its check"), h.line());
        assertEquals(Health.Level.OK, Health.of(status(new NodeStatus.Fencing("1 level(s)", null, 1000, null, false,
                INTERVAL.toMillis(), List.of(ok)))).level());
    }

    @Test
    void aDeviceThatReadsThePeerOffWhileThePeerIsHeardReachesSomethingElse() throws Exception {
        assertEquals(0, bmc.power("off").exit());
        heard.set(true); // the peer still speaks on the heartbeat links: this BMC is not the peer's
        FenceCoordinator.Plan plan = plan(Duration.ZERO);
        FenceDeviceMonitor m = monitor(new FenceWorker(loop, lane, plan), plan, heard::get);
        FenceDeviceMonitor.Check c = awaitCheck(m, x -> true);
        assertFalse(c.ok());
        assertEquals("OFF", c.power());
        assertTrue(c.error().contains("while pf2 is heard"), c.error());
        heard.set(false); // the peer is silent: off is what a dead peer reads
        assertTrue(awaitCheck(m, FenceDeviceMonitor.Check::ok).power().equals("OFF"));
    }

    @Test
    void noDeviceIsReadWhileAFenceRunsAndTheRoundsGoOnAfterIt() throws Exception {
        FenceCoordinator.Plan plan = plan(TestTime.scaled(Duration.ofSeconds(2))); // the fence waits its delay first
        FenceWorker worker = new FenceWorker(loop, lane, plan);
        CompletableFuture<FenceCoordinator.Outcome> outcome = new CompletableFuture<>();
        onLoop(() -> {
            worker.fence(plan.delay(), () -> true, outcome::complete);
            return null;
        });
        FenceDeviceMonitor m = monitor(worker, plan, heard::get);
        Thread.sleep(INTERVAL.toMillis() * 4); // several rounds come due during the fence's delay
        assertTrue(onLoop(worker::running));
        assertEquals(List.of(), onLoop(m::checks), "a device was read while a fence ran");
        FenceCoordinator.Outcome o = outcome.get(TestTime.millis(30_000), TimeUnit.MILLISECONDS);
        assertTrue(o.fenced(), o.summary());
        assertEquals("OFF", awaitCheck(m, x -> true).power(), "the rounds go on after the fence");
    }

    private static NodeStatus status(NodeStatus.Fencing f) {
        return new NodeStatus(0, "pf1", 1, dev.palisade.supervisor.failover.FailoverMachine.State.ACTIVE, 0, "",
                null, new NodeStatus.Peer("pf2", dev.palisade.supervisor.failover.FailoverMachine.State.STANDBY, true,
                dev.palisade.supervisor.membership.PeerTracker.PeerState.ALIVE, 10, 1, false), List.of(), f,
                List.of(), 0, dev.palisade.supervisor.failover.FailoverMachine.FailurePolicy.DEFAULT, List.of(),
                List.of(), List.of());
    }
}
