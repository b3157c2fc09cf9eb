package dev.palisade.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.FakeRmcpBmc;
import dev.palisade.drivers.testing.FakeRmcpBmc.Fault;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Suite 17 (and 3) against the fake BMC, which the stock ipmitool accepts too, and every kind of bad
 * answer: the client reports what happened, never hangs past its deadline, and always closes its session.
 */
class FakeBmcSessionTest {
    private FakeRmcpBmc bmc;

    @BeforeEach
    void start() throws Exception {
        bmc = FakeRmcpBmc.start();
    }

    @AfterEach
    void stop() throws Exception {
        bmc.close();
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"SUITE_3", "SUITE_17"})
    void powerOffOnAndStatus(CipherSuite suite) throws Exception {
        try (IpmiSession s = IpmiSession.open(bmc.target(suite))) {
            assertTrue(s.chassisStatus().powerOn());
            s.chassisControl(ChassisControl.POWER_DOWN);
            assertFalse(s.chassisStatus().powerOn());
            s.chassisControl(ChassisControl.POWER_UP);
            assertTrue(s.chassisStatus().powerOn());
            assertEquals(0, s.droppedPackets());
        }
        assertEquals(List.of("0", "1"), bmc.controls());
        assertEquals(1, bmc.closedSessions());
        assertEquals(0, bmc.activeSessions());
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"SUITE_3", "SUITE_17"})
    void theStockIpmitoolAcceptsTheFakeSoItsLayoutsAreTheRealOnes(CipherSuite suite) throws Exception {
        List<String> c = List.of(Commands.require("ipmitool"), "-I", "lanplus", "-H", "127.0.0.1", "-p",
                String.valueOf(bmc.port()), "-U", "fence", "-P", "fencepass", "-C", String.valueOf(suite.id()),
                "chassis", "power");
        assertEquals("Chassis Power is on\n", Commands.run(20_000, concat(c, "status")).stdout());
        assertEquals("Chassis Power Control: Down/Off\n", Commands.run(20_000, concat(c, "off")).stdout());
        assertFalse(bmc.powerOn());
        assertEquals("Chassis Power is off\n", Commands.run(20_000, concat(c, "status")).stdout());
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }

    @Test
    void wrongPasswordTellsTheBmcAtOnceSoNoSessionLeaks() throws Exception {
        var t = bmc.target(CipherSuite.SUITE_17);
        var wrong = new IpmiTarget(t.bmc(), t.user(), RakpKeys.kuid("guess"), null, t.suite(), t.privilege(),
                t.timeout(), t.tries(), false);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(wrong));
        assertEquals(IpmiException.Kind.PASSWORD, e.kind());
        // the notice is a datagram the BMC handles on its own thread; give it a moment
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (bmc.rakp3Errors() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, bmc.rakp3Errors(), "RAKP 3 with status 0x0F told the BMC");
        assertEquals(0, bmc.activeSessions());
    }

    @Test
    void aWrongBmcKeyShowsAtRakp4() {
        bmc.fault(Fault.WRONG_ICV);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(bmc.target(CipherSuite.SUITE_17)));
        assertEquals(IpmiException.Kind.BMC_KEY, e.kind());
        assertTrue(e.getMessage().contains("Kg"), e.getMessage());
    }

    @Test
    void aBmcKeyIsUsedWhenConfiguredAndItsAbsenceIsNamed() throws Exception {
        byte[] kg = "bmc-key-0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        bmc.kg(kg);
        try (IpmiSession s = IpmiSession.open(bmc.target(CipherSuite.SUITE_17).withKg(kg))) {
            assertTrue(s.chassisStatus().powerOn());
        }
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(bmc.target(CipherSuite.SUITE_3)));
        assertEquals(IpmiException.Kind.BMC_KEY, e.kind());
        assertTrue(e.getMessage().contains("(none is configured)"), e.getMessage());
    }

    @Test
    void noFreeSessionSlot() {
        bmc.slots(0);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(bmc.target(CipherSuite.SUITE_17)));
        assertEquals(IpmiException.Kind.NO_SESSION_SLOT, e.kind());
        assertEquals(0x01, e.code());
    }

    @Test
    void aSilentBmcTimesOutWithinTriesTimesTimeout() {
        bmc.fault(Fault.SILENT);
        var t = bmc.target(CipherSuite.SUITE_17);
        long t0 = System.nanoTime();
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(t));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(IpmiException.Kind.TIMEOUT, e.kind());
        long budget = t.timeout().toMillis() * t.tries();
        assertTrue(ms >= budget - 50 && ms < budget * 3, ms + " ms for a budget of " + budget);
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"TRUNCATED", "WRONG_HMAC", "WRONG_SESSION", "DEAF_TO_CHASSIS"})
    void badAnswersAreDroppedAndReportedAndTheSessionStillCloses(Fault fault) throws Exception {
        IpmiSession s = IpmiSession.open(bmc.target(CipherSuite.SUITE_17));
        bmc.fault(fault);
        IpmiException e;
        try (s) {
            e = assertThrows(IpmiException.class, s::chassisStatus);
        }
        assertEquals(IpmiException.Kind.TIMEOUT, e.kind(), e.getMessage());
        if (fault != Fault.DEAF_TO_CHASSIS) {
            assertEquals(3, s.droppedPackets(), "each try's answer was dropped: " + s.lastDropReason());
            String why = switch (fault) {
                case TRUNCATED -> "authenticated packet of";
                case WRONG_HMAC -> "AuthCode mismatch";
                default -> "is not ours";
            };
            assertTrue(e.getMessage().contains(why), e.getMessage());
        }
        assertEquals(1, bmc.closedSessions(), "Close Session went out even so");
        assertEquals(0, bmc.activeSessions());
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"REPLAY_THEN_REAL", "STALE_THEN_REAL"})
    void replayedAndOutOfOrderAnswersAreNotBelieved(Fault fault) throws Exception {
        try (IpmiSession s = IpmiSession.open(bmc.target(CipherSuite.SUITE_17))) {
            assertTrue(s.chassisStatus().powerOn());
            bmc.fault(fault);
            // the stale/replayed packet says "on" again; only the real answer says off
            s.chassisControl(ChassisControl.POWER_DOWN);
            assertFalse(s.chassisStatus().powerOn());
            assertTrue(s.droppedPackets() >= 2, s.droppedPackets() + " dropped; last: " + s.lastDropReason());
            assertTrue(s.lastDropReason().contains(fault == Fault.REPLAY_THEN_REAL ? "replay" : "while waiting for"),
                    s.lastDropReason());
        }
    }

    @Test
    void manySessionsLeaveNoneOpen() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (IpmiSession s = IpmiSession.open(bmc.target(i % 2 == 0 ? CipherSuite.SUITE_3 : CipherSuite.SUITE_17))) {
                s.chassisStatus();
            }
        }
        assertEquals(50, bmc.openedSessions());
        assertEquals(50, bmc.closedSessions());
        assertEquals(0, bmc.activeSessions());
    }
}
