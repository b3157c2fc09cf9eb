package dev.palisade.bench;

import dev.palisade.drivers.ipmi.ChassisControl;
import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.ipmi.IpmiSession;
import dev.palisade.drivers.ipmi.IpmiTarget;
import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.drivers.testing.IpmiSim;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Native IPMI power control against the stock tools, all driving the same ipmi_sim in one run
 * (started here through the test harness: chassis_control mode, power off = SIGKILL of a real process): "status" (one whole session: caps, open, RAKP, privilege, status,
 * close) and "off + verified off" (off, then status until it reads off), ours in process, ipmitool
 * -I lanplus and fence_ipmilan as whole processes, as a fencing script calls them.
 *
 * <p>Usage: IpmiBench SAMPLES STOCK_SAMPLES OFF_SAMPLES
 */
public final class IpmiBench {
    private IpmiBench() {
    }

    record Stats(double median, double p99, int n, int failures) {
        String cell() {
            return String.format(Locale.ROOT, "%.2f / %.2f", median, p99);
        }
    }

    interface Trial {
        boolean run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int samples = Integer.parseInt(args[0]);
        int stock = Integer.parseInt(args[1]);
        int offs = Integer.parseInt(args[2]);
        try (IpmiSim sim = IpmiSim.start()) {
            bench(sim.port(), IpmiSim.USER, IpmiSim.PASSWORD, samples, stock, offs);
        }
    }

    private static void bench(int port, String user, String pass, int samples, int stock, int offs) throws Exception {
        IpmiTarget t = IpmiTarget.of(new InetSocketAddress("127.0.0.1", port), user, pass, CipherSuite.SUITE_3);
        List<String> ipmitool = List.of("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", String.valueOf(port),
                "-U", user, "-P", pass, "-C", "3", "chassis", "power");
        List<String> ipmilan = List.of("fence_ipmilan", "--ip=127.0.0.1", "--ipport=" + port, "--username=" + user,
                "--password=" + pass, "--lanplus", "--cipher=3");

        Trial oursStatus = () -> {
            try (IpmiSession s = IpmiSession.open(t)) {
                return s.chassisStatus().powerOn();
            }
        };
        Trial oursOff = () -> {
            try (IpmiSession s = IpmiSession.open(t)) {
                s.chassisControl(ChassisControl.POWER_DOWN);
            }
            while (true) {
                try (IpmiSession s = IpmiSession.open(t)) {
                    if (!s.chassisStatus().powerOn()) {
                        return true;
                    }
                }
            }
        };
        Runnable powerOn = () -> {
            try (IpmiSession s = IpmiSession.open(t)) {
                s.chassisControl(ChassisControl.POWER_UP);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        Trial toolStatus = () -> run(concat(ipmitool, "status")).contains("is on");
        Trial toolOff = () -> {
            if (!run(concat(ipmitool, "off")).contains("Down/Off")) {
                return false;
            }
            while (!run(concat(ipmitool, "status")).contains("is off")) {
                Thread.onSpinWait();
            }
            return true;
        };
        Trial lanStatus = () -> run(concat(ipmilan, "--action=status")).contains("Status: ON");
        Trial lanOff = () -> run(concat(ipmilan, "--action=off")).contains("Success: Powered OFF");

        for (int i = 0; i < 200; i++) { // JIT warm-up of our client, as in a long-running supervisor
            oursStatus.run();
        }
        Stats os = measure(samples, oursStatus, null);
        Stats ts = measure(stock, toolStatus, null);
        Stats ls = measure(stock, lanStatus, null);
        Stats oo = measure(offs, oursOff, powerOn);
        Stats to = measure(offs, toolOff, powerOn);
        Stats lo = measure(offs, lanOff, powerOn);
        powerOn.run();

        System.out.println("| client | status: median / p99 ms | off + verified off: median / p99 ms | status ratio to ipmitool | off ratio to ipmitool |");
        System.out.println("|---|---|---|---|---|");
        row("palisade, in process (native RMCP+)", os, oo, ts, to);
        row("ipmitool -I lanplus -C 3 (process)", ts, to, ts, to);
        row("fence_ipmilan --cipher=3 (process)", ls, lo, ts, to);
        System.out.println();
        System.out.printf(Locale.ROOT, "Samples: status %d (ours) / %d (stock); off %d each. Failures: ours %d/%d,"
                        + " ipmitool %d/%d, fence_ipmilan %d/%d (status/off).%n", samples, stock, offs, os.failures(),
                oo.failures(), ts.failures(), to.failures(), ls.failures(), lo.failures());
    }

    private static void row(String name, Stats status, Stats off, Stats refStatus, Stats refOff) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %.3fx | %.3fx |%n", name, status.cell(), off.cell(),
                status.median() / refStatus.median(), off.median() / refOff.median());
    }

    private static Stats measure(int n, Trial trial, Runnable before) {
        double[] ms = new double[n];
        int failures = 0;
        for (int i = 0; i < n; i++) {
            if (before != null) {
                before.run();
            }
            long t0 = System.nanoTime();
            boolean ok;
            try {
                ok = trial.run();
            } catch (Exception e) {
                ok = false;
            }
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (!ok) {
                failures++;
            }
        }
        Arrays.sort(ms);
        return new Stats(ms[n / 2], Percentiles.p99(ms), n, failures);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }

    private static String run(List<String> cmd) throws IOException {
        return ProcessRun.run(cmd, null, Duration.ofSeconds(60)).output();
    }
}
