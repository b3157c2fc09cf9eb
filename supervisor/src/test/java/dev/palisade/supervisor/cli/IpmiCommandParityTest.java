package dev.palisade.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code palisade ipmi} against the stock {@code ipmitool -I lanplus}, both driving the same ipmi_sim: same
 * stdout and exit code for every chassis power command, and the same final error line when it fails.
 */
class IpmiCommandParityTest {
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

    private static List<String> common(String user, String password, String suite) {
        return List.of("-H", "127.0.0.1", "-p", String.valueOf(sim.port()), "-U", user, "-P", password, "-C", suite);
    }

    private static Commands.Result ipmitool(List<String> opts, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(Commands.require("ipmitool"), "-I", "lanplus"));
        c.addAll(opts);
        c.addAll(List.of(cmd));
        return Commands.run(60_000, c);
    }

    private static Commands.Result ours(List<String> opts, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ipmi", "-I", "lanplus"));
        c.addAll(opts);
        c.addAll(List.of(cmd));
        return PalisadeProcess.run(60_000, c.toArray(String[]::new));
    }

    private static String lastLine(String s) {
        List<String> lines = s.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static void same(List<String> opts, String... cmd) throws Exception {
        Commands.Result theirs = ipmitool(opts, cmd);
        Commands.Result mine = ours(opts, cmd);
        String what = String.join(" ", cmd) + "\nipmitool: " + theirs + "\npalisade: " + mine;
        assertEquals(theirs.stdout(), mine.stdout(), what);
        assertEquals(theirs.exit(), mine.exit(), what);
        if (theirs.exit() != 0) {
            assertEquals(lastLine(theirs.stderr()), lastLine(mine.stderr()), what);
        }
    }

    @Test
    void everyPowerCommandPrintsWhatIpmitoolPrints() throws Exception {
        List<String> o = common(IpmiSim.USER, IpmiSim.PASSWORD, "3");
        for (String[] cmd : List.of(
                new String[] {"chassis", "power", "status"},
                new String[] {"chassis", "power", "off"},
                new String[] {"chassis", "power", "status"},
                new String[] {"chassis", "power", "on"},
                new String[] {"chassis", "power", "status"},
                new String[] {"chassis", "power", "reset"},
                new String[] {"chassis", "power", "soft"},
                new String[] {"chassis", "power", "status"},
                new String[] {"chassis", "power", "on"},
                new String[] {"chassis", "power", "cycle"},
                new String[] {"chassis", "power", "diag"},
                new String[] {"chassis", "power", "bogus"},
                new String[] {"chassis", "power"})) {
            same(o, cmd);
            if (cmd.length == 3 && cmd[2].equals("cycle")) {
                // ipmi_sim powers back on at its next 1-second tick; let it settle so later reads agree
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < deadline && sim.hostPid() <= 0) {
                    Thread.sleep(50);
                }
                Thread.sleep(1200);
            }
        }
        assertTrue(sim.hostLog().contains("stopped by SIGKILL") && sim.hostLog().contains("stopped by SIGTERM"),
                sim.hostLog());
    }

    @Test
    void failuresExitAndReportLikeIpmitool() throws Exception {
        same(common(IpmiSim.USER, "wrong-password", "3"), "chassis", "power", "status");
        same(common("nobody", "x", "3"), "chassis", "power", "status");
        same(common(IpmiSim.USER, IpmiSim.PASSWORD, "17"), "chassis", "power", "status");
        List<String> viewer = new ArrayList<>(common(IpmiSim.VIEWER, IpmiSim.VIEWER_PASSWORD, "3"));
        viewer.addAll(List.of("-L", "USER"));
        same(viewer, "chassis", "power", "off");
    }

    @Test
    void weakSuitesWhenAllowedPrintTheSame() throws Exception {
        for (String suite : List.of("0", "1", "2")) {
            List<String> o = common(IpmiSim.USER, IpmiSim.PASSWORD, suite);
            Commands.Result theirs = ipmitool(o, "chassis", "power", "status");
            List<String> allowed = new ArrayList<>(List.of("--allow-weak-cipher-suite"));
            allowed.addAll(o);
            Commands.Result mine = ours(allowed, "chassis", "power", "status");
            assertEquals(theirs.stdout(), mine.stdout(), "suite " + suite + ": " + mine);
            assertEquals(theirs.exit(), mine.exit());
            Commands.Result refused = ours(o, "chassis", "power", "status");
            assertEquals(1, refused.exit());
            assertTrue(refused.stderr().contains("add --allow-weak-cipher-suite"), refused.toString());
        }
    }

    @Test
    void ourFailuresSayWhatHappened() throws Exception {
        Commands.Result r = ours(common(IpmiSim.USER, "wrong-password", "3"), "chassis", "power", "status");
        assertTrue(r.stderr().contains("RAKP 2 HMAC mismatch: wrong password for user 'fence'"), r.toString());
        r = ours(common(IpmiSim.USER, IpmiSim.PASSWORD, "0"), "chassis", "power", "status");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("cipher suite 0 is refused"), r.toString());
    }
}
