package dev.palisade.bench;

import dev.palisade.supervisor.pair.PairLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * {@code make run}: the appliance pair of the end-to-end test ({@link PairLab}) started for a person to watch:
 * both nodes powered on through their BMCs, the application writing rows through the VIP, a short tour (power
 * cut of the active node, its return, a switchover back) and then a status line every two seconds until
 * Ctrl-C, with the commands to drive it by hand.
 */
public final class PairDemo {
    private static final DateTimeFormatter T = DateTimeFormatter.ofPattern("HH:mm:ss");

    private PairDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/palisade-pair");
        boolean tour = args.length < 2 || !args[1].equals("--no-tour");
        dev.palisade.drivers.testing.Scratch.deleteTree(dir);
        Files.createDirectories(dir);
        say("building the lab in " + dir + ": namespaces, an ext4 disk image with MariaDB on it, two BMCs (ipmi_sim)");
        PairLab lab = PairLab.create(dir, PairLab.Timing.FAST);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                say("stopping: both nodes powered off, namespaces and " + dir + " removed");
                lab.close();
                dev.palisade.drivers.testing.Scratch.deleteTree(dir);
            } catch (Exception e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }, "demo-cleanup"));
        say("powering both nodes on through IPMI");
        lab.power(0, "on");
        lab.power(1, "on");
        waitFor(lab, Map.of("pf1", "ACTIVE", "pf2", "STANDBY"), 60);
        System.out.println();
        System.out.print(lab.ctl(0, "status"));
        System.out.println();
        lab.startWriter();
        say("the application writes numbered rows through the VIP " + PairLab.VIP + ":3306 (from the observer)");
        Thread.sleep(3000);
        String obs = "ip netns exec " + lab.obs + " ";
        System.out.printf("%nDrive it from another terminal:%n"
                        + "  bin/palisade ctl -s %s status%n"
                        + "  bin/palisade ctl -s %s switchover      # hand the database to the other node%n"
                        + "  %sipmitool -I lanplus -H 10.98.0.3 -p 6231 -U fence -P fencepass chassis power off   # cut pf1%n"
                        + "  %sipmitool -I lanplus -H 10.98.0.3 -p 6232 -U fence -P fencepass chassis power on    # boot pf2%n"
                        + "  node logs: %s/host.out and %s/host.out%n%n",
                lab.controlSocket(0), lab.controlSocket(0), obs, obs, lab.bmc[0].dir(), lab.bmc[1].dir());
        if (tour) {
            say("tour 1/3: cutting the power of the active node pf1 (ipmitool chassis power off)");
            lab.power(0, "off");
            waitFor(lab, Map.of("pf1", "OFF", "pf2", "ACTIVE"), 60);
            System.out.print(lab.ctl(1, "status"));
            say("tour 2/3: powering pf1 back on; it rejoins as standby (auto_failback off)");
            lab.power(0, "on");
            waitFor(lab, Map.of("pf1", "STANDBY", "pf2", "ACTIVE"), 60);
            say("tour 3/3: palisade ctl switchover on pf2: the database goes back to pf1");
            System.out.print(lab.ctl(1, "switchover"));
            waitFor(lab, Map.of("pf1", "ACTIVE", "pf2", "STANDBY"), 60);
            int n = lab.acknowledged().size();
            Thread.sleep(2000);
            say("rows acknowledged so far: " + lab.acknowledged().size() + " (still growing: "
                    + (lab.acknowledged().size() > n) + ")");
        }
        say("running; Ctrl-C stops the pair and removes everything");
        int last = lab.acknowledged().size();
        while (true) {
            Thread.sleep(2000);
            int now = lab.acknowledged().size();
            Map<String, String> s = lab.states();
            say("pf1 " + s.get("pf1") + " | pf2 " + s.get("pf2") + " | rows acknowledged " + now + " (+" + (now - last)
                    + ")");
            last = now;
        }
    }

    private static void waitFor(PairLab lab, Map<String, String> want, int seconds) {
        long t0 = System.nanoTime();
        boolean ok = PairLab.await(Duration.ofSeconds(seconds), () -> lab.states().equals(want));
        say((ok ? "" : "still waiting, gave up: ") + lab.states() + " after " + (System.nanoTime() - t0) / 1_000_000
                + " ms");
    }

    private static void say(String s) {
        System.out.println(LocalTime.now().format(T) + "  " + s);
    }
}
