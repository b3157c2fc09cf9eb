package dev.palisade.supervisor.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state table under simulated time: every RFC 5798 §6.4 rule, and the supervisor's priority controls. */
class VrrpMachineTest {
    private static final long MS = 1_000_000;
    private final List<String> effects = new ArrayList<>();
    private final VrrpMachine.Effects recorder = new VrrpMachine.Effects() {
        @Override
        public void sendAdvert(int priority) {
            effects.add("advert " + priority);
        }

        @Override
        public void becomeMaster() {
            effects.add("add vips");
        }

        @Override
        public void stopBeingMaster() {
            effects.add("remove vips");
        }

        @Override
        public void announce() {
            effects.add("announce");
        }

        @Override
        public void transition(VrrpMachine.State from, VrrpMachine.State to, String reason) {
            effects.add(from + "->" + to);
        }
    };

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private VrrpMachine machine(int version, int intervalCs, boolean preempt, long preemptDelayMs, int priority)
            throws Exception {
        return new VrrpMachine(new VrrpMachine.Settings(version, intervalCs, preempt, preemptDelayMs * MS,
                ip("10.0.0.2")), priority, recorder);
    }

    private static VrrpPacket advert(int version, int priority, int interval) throws Exception {
        return new VrrpPacket(version, 51, priority, interval, 0, null, List.of(ip("10.0.0.100")));
    }

    @Test
    void timersFollowTheRfc() throws Exception {
        VrrpMachine v2 = machine(2, 100, true, 0, 100);
        assertEquals(156 * 1_000_000_000L / 256, v2.skewNanos());
        assertEquals(3_609, v2.masterDownInterval() / MS);
        VrrpMachine v3 = machine(3, 10, true, 0, 100);
        assertEquals(360, v3.masterDownInterval() / MS, "300 ms + 60.9 ms skew");
    }

    @Test
    void backupTakesOverWhenTheMasterFallsSilent() throws Exception {
        VrrpMachine m = machine(3, 10, true, 0, 100);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        assertEquals(VrrpMachine.State.BACKUP, m.state());
        m.handle(VrrpMachine.Event.ADVERT, 300 * MS, advert(3, 150, 10), ip("10.0.0.1"));
        m.tick(600 * MS);
        assertEquals(VrrpMachine.State.BACKUP, m.state(), "an advert at 300 ms moved master-down to 661 ms");
        m.tick(661 * MS);
        assertEquals(VrrpMachine.State.MASTER, m.state(), "300 ms + 360.9 ms");
        assertEquals(List.of("INITIALIZE->BACKUP", "advert 100", "add vips", "BACKUP->MASTER"), effects);
        m.tick(761 * MS);
        assertEquals("advert 100", effects.get(effects.size() - 1), "adverts every interval");
    }

    @Test
    void priorityZeroMeansTakeOverAfterSkewOnly() throws Exception {
        VrrpMachine m = machine(2, 100, true, 0, 100);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        m.handle(VrrpMachine.Event.ADVERT, 1000 * MS, advert(2, 0, 1), ip("10.0.0.1"));
        assertEquals(1000 * MS + m.skewNanos(), m.nextDeadline());
    }

    @Test
    void preemptNopreemptAndPreemptDelay() throws Exception {
        VrrpMachine pre = machine(3, 10, true, 0, 200);
        pre.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        long before = pre.nextDeadline();
        pre.handle(VrrpMachine.Event.ADVERT, 100 * MS, advert(3, 100, 10), ip("10.0.0.1"));
        assertEquals(before, pre.nextDeadline(), "a lower-priority master is ignored, so we preempt");

        VrrpMachine no = machine(3, 10, false, 0, 200);
        no.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        no.handle(VrrpMachine.Event.ADVERT, 100 * MS, advert(3, 100, 10), ip("10.0.0.1"));
        assertEquals(100 * MS + no.masterDownInterval(), no.nextDeadline(), "nopreempt: the lower master keeps it");

        VrrpMachine delayed = machine(3, 10, true, 5000, 200);
        delayed.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        delayed.handle(VrrpMachine.Event.ADVERT, 100 * MS, advert(3, 100, 10), ip("10.0.0.1"));
        assertTrue(delayed.nextDeadline() > 100 * MS, "within the preempt delay the lower master keeps it");
        long after = delayed.nextDeadline();
        delayed.handle(VrrpMachine.Event.ADVERT, 5100 * MS, advert(3, 100, 10), ip("10.0.0.1"));
        assertEquals(after, delayed.nextDeadline(), "after the delay we preempt");
    }

    @Test
    void v3BackupLearnsTheMastersInterval() throws Exception {
        VrrpMachine m = machine(3, 100, true, 0, 100);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        m.handle(VrrpMachine.Event.ADVERT, 0, advert(3, 150, 10), ip("10.0.0.1"));
        assertEquals(10, m.masterAdverIntervalCs());
        assertEquals(360, m.masterDownInterval() / MS);
    }

    @Test
    void ownerIsMasterAtOnceAndMasterYieldsToHigherOrEqualWithHigherAddress() throws Exception {
        VrrpMachine owner = machine(3, 100, true, 0, 255);
        owner.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        assertEquals(VrrpMachine.State.MASTER, owner.state());

        VrrpMachine m = machine(3, 10, true, 0, 100);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        m.tick(m.nextDeadline());
        effects.clear();
        m.handle(VrrpMachine.Event.ADVERT, 1000 * MS, advert(3, 100, 10), ip("10.0.0.1"));
        assertEquals(VrrpMachine.State.MASTER, m.state(), "equal priority, lower address: we stay");
        assertEquals(List.of("advert 100", "announce"), effects, "a conflicting master is answered at once");
        m.handle(VrrpMachine.Event.ADVERT, 1001 * MS, advert(3, 100, 10), ip("10.0.0.3"));
        assertEquals(VrrpMachine.State.BACKUP, m.state(), "equal priority, higher address wins");
        assertTrue(effects.contains("remove vips"));
    }

    @Test
    void releaseHandsOverAtOnceAndNeverTakesBackUntilRaised() throws Exception {
        VrrpMachine m = machine(3, 10, true, 0, 150);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        m.tick(m.nextDeadline());
        effects.clear();
        m.priority(0, 1000 * MS);
        assertEquals(List.of("advert 0", "remove vips", "MASTER->BACKUP"), effects);
        m.tick(100_000 * MS);
        assertEquals(VrrpMachine.State.BACKUP, m.state(), "released: never takes over");
        m.priority(150, 100_001 * MS);
        m.tick(100_001 * MS + m.masterDownInterval());
        assertEquals(VrrpMachine.State.MASTER, m.state());
        m.priority(255, 100_002 * MS);
        assertEquals("advert 255", effects.get(effects.size() - 1), "a master advertises a changed priority");
    }

    @Test
    void shutdownAsMasterSendsPriorityZero() throws Exception {
        VrrpMachine m = machine(2, 100, true, 0, 150);
        m.handle(VrrpMachine.Event.STARTUP, 0, null, null);
        m.tick(m.nextDeadline());
        effects.clear();
        m.handle(VrrpMachine.Event.SHUTDOWN, 5000 * MS, null, null);
        assertEquals(List.of("advert 0", "remove vips", "MASTER->INITIALIZE"), effects);
    }
}
