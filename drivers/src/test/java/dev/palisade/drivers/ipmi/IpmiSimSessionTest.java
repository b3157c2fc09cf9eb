package dev.palisade.drivers.ipmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against the real BMC simulator (OpenIPMI ipmi_sim, suite 3) whose chassis control starts and kills a real
 * process: every power operation acts on that process, and the stock ipmitool agrees with what we read.
 */
class IpmiSimSessionTest {
    private static IpmiSim sim;

    @BeforeAll
    static void start() throws Exception {
        sim = IpmiSim.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (sim != null) {
            sim.close();
        }
    }

    private static boolean status() throws Exception {
        try (IpmiSession s = IpmiSession.open(sim.target(CipherSuite.SUITE_3))) {
            return s.chassisStatus().powerOn();
        }
    }

    private static void control(ChassisControl c) throws Exception {
        try (IpmiSession s = IpmiSession.open(sim.target(CipherSuite.SUITE_3))) {
            s.chassisControl(c);
        }
    }

    private static String ipmitoolStatus() throws Exception {
        return Commands.run(20_000, sim.ipmitool(3, "chassis", "power", "status")).stdout().trim();
    }

    @Test
    void offKillsTheHostOnStartsItResetAndCycleReplaceIt() throws Exception {
        control(ChassisControl.POWER_UP);
        long first = sim.hostPid();
        assertTrue(first > 0);
        assertTrue(status());
        assertEquals("Chassis Power is on", ipmitoolStatus());

        control(ChassisControl.POWER_DOWN);
        assertFalse(IpmiSim.alive(first), "off killed the host process");
        assertEquals(-1, sim.hostPid());
        assertFalse(status());
        assertEquals("Chassis Power is off", ipmitoolStatus());

        control(ChassisControl.POWER_UP);
        long second = sim.hostPid();
        assertTrue(second > 0 && second != first, "on started a new host");
        assertTrue(status());

        control(ChassisControl.HARD_RESET);
        long third = sim.hostPid();
        assertTrue(third > 0 && third != second && !IpmiSim.alive(second), "reset replaced the host");

        control(ChassisControl.POWER_CYCLE);
        // ipmi_sim powers off at once and on again on its next 1-second tick
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long fourth = -1;
        while (System.nanoTime() < deadline && (fourth = sim.hostPid()) <= 0 || fourth == third) {
            Thread.sleep(50);
        }
        assertFalse(IpmiSim.alive(third), "cycle killed the host");
        assertTrue(fourth > 0 && fourth != third, "cycle started a new host: " + sim.hostLog());

        control(ChassisControl.SOFT_SHUTDOWN);
        assertFalse(IpmiSim.alive(fourth), "soft shutdown (SIGTERM) stopped the host");
        assertFalse(status());
        control(ChassisControl.POWER_UP);
    }

    @Test
    void wrongPasswordIsReportedAsSuch() {
        IpmiTarget t = sim.target(CipherSuite.SUITE_3);
        IpmiTarget wrong = new IpmiTarget(t.bmc(), t.user(), RakpKeys.kuid("not-the-password"), null, t.suite(),
                t.privilege(), t.timeout(), t.tries(), false);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(wrong));
        assertEquals(IpmiException.Kind.PASSWORD, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("wrong password for user 'fence'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void weakSuitesOnlyWhenAllowedAndSuite0ShowsWhy(int id) throws Exception {
        CipherSuite weak = CipherSuite.of(id);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(sim.target(weak)));
        assertEquals(IpmiException.Kind.CIPHER_SUITE, e.kind());
        assertTrue(e.getMessage().contains("cipher suite " + id + " is refused"), e.getMessage());
        IpmiTarget allowed = sim.target(weak).allowingWeakSuite();
        try (IpmiSession s = IpmiSession.open(allowed)) {
            boolean on = s.chassisStatus().powerOn();
            s.chassisControl(on ? ChassisControl.POWER_UP : ChassisControl.POWER_DOWN); // a no-op command, accepted
            assertEquals(on, s.chassisStatus().powerOn());
        }
        IpmiTarget wrong = new IpmiTarget(allowed.bmc(), allowed.user(), RakpKeys.kuid("not-the-password"), null,
                weak, allowed.privilege(), allowed.timeout(), allowed.tries(), true);
        if (id == 0) {
            try (IpmiSession s = IpmiSession.open(wrong)) {
                s.chassisStatus(); // RAKP-none: the BMC let a wrong password in
            }
        } else {
            assertEquals(IpmiException.Kind.PASSWORD, assertThrows(IpmiException.class,
                    () -> IpmiSession.open(wrong)).kind());
        }
    }

    @Test
    void unknownUserIsNotAPasswordError() {
        IpmiTarget t = IpmiTarget.of(sim.socketAddress(), "nobody", "x", CipherSuite.SUITE_3);
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(t));
        assertEquals(IpmiException.Kind.UNKNOWN_USER, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("unauthorized name"), e.getMessage());
    }

    @Test
    void suite17IsRefusedByABmcWithoutSha256() {
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(sim.target(CipherSuite.SUITE_17)));
        assertEquals(IpmiException.Kind.CIPHER_SUITE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("invalid authentication algorithm"), e.getMessage());
    }

    @Test
    void aUserLevelSessionMayReadButNotControlPower() throws Exception {
        IpmiTarget viewer = IpmiTarget.of(sim.socketAddress(), IpmiSim.VIEWER, IpmiSim.VIEWER_PASSWORD, CipherSuite.SUITE_3)
                .withPrivilege(Privilege.USER);
        try (IpmiSession s = IpmiSession.open(viewer)) {
            s.chassisStatus();
            IpmiException e = assertThrows(IpmiException.class, () -> s.chassisControl(ChassisControl.POWER_DOWN));
            assertEquals(IpmiException.Kind.PRIVILEGE, e.kind());
            assertEquals(0xd4, e.code());
            assertEquals("Set Chassis Power Control to Down/Off failed: Insufficient privilege level", e.getMessage());
        }
        assertTrue(sim.hostPid() > 0, "the host was not touched");
    }

    @Test
    void aFullSessionTableIsReportedAndClosedSessionsFreeIt() throws Exception {
        // ipmi_sim has 63 session slots; sessions we keep open fill it
        List<IpmiSession> held = new ArrayList<>();
        IpmiException e = null;
        try {
            IpmiTarget once = sim.target(CipherSuite.SUITE_3).withTimeout(Duration.ofSeconds(1), 1);
            for (int i = 0; i < 80 && e == null; i++) {
                try {
                    held.add(IpmiSession.open(once));
                } catch (IpmiException x) {
                    e = x;
                }
            }
        } finally {
            held.forEach(IpmiSession::close);
        }
        assertTrue(e != null, "the table never filled");
        assertEquals(IpmiException.Kind.NO_SESSION_SLOT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("insufficient resources"), e.getMessage());
        assertTrue(held.size() >= 60, held.size() + " sessions before the table was full");
        try (IpmiSession s = IpmiSession.open(sim.target(CipherSuite.SUITE_3))) {
            s.chassisStatus(); // a session opens again once ours are closed
        }
    }

    @Test
    void aBmcThatIsNotThereTimesOutWithinTheDeadline() throws Exception {
        int port;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        IpmiTarget t = IpmiTarget.of(new java.net.InetSocketAddress("127.0.0.1", port), "fence", "x",
                CipherSuite.SUITE_3).withTimeout(Duration.ofMillis(200), 3);
        long t0 = System.nanoTime();
        IpmiException e = assertThrows(IpmiException.class, () -> IpmiSession.open(t));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(IpmiException.Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("3 tries of 200 ms"), e.getMessage());
        assertTrue(ms >= 550 && ms < 5_000, ms + " ms");
    }
}
