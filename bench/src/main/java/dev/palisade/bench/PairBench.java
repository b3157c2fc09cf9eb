package dev.palisade.bench;

import dev.palisade.supervisor.pair.PairLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.NavigableMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unplanned failover and planned switchover of the appliance pair ({@link PairLab}: real ipmi_sim power,
 * MariaDB on an ext4 image, VIP by VRRP, rows written through the VIP the whole time), broken down from the
 * survivor's log. One lab, TRIALS cycles of: cut the active node's power, wait for the takeover, power it back
 * on, switch the group back with {@code palisade ctl switchover}. Prints a markdown table.
 *
 * <p>{@code PairBench TRIALS PRIORITY_DELAY}
 */
public final class PairBench {
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private PairBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        String delay = args[1];
        Path dir = Files.createTempDirectory("palisade-pairbench");
        Map<String, List<Long>> m = new LinkedHashMap<>();
        for (String k : List.of("detection (power off -> peer dead)", "fence (IPMI status, off, verified; delay skipped)",
                "mount", "MariaDB ready", "VIP", "power off -> writable through the VIP (client)",
                "switchover downtime (client)")) {
            m.put(k, new ArrayList<>());
        }
        long lostTotal = 0;
        long rowsTotal;
        try (PairLab lab = PairLab.create(dir, PairLab.Timing.FAST.withPriorityDelay(delay))) {
            lab.power(0, "on");
            lab.power(1, "on");
            require(PairLab.await(Duration.ofSeconds(60), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                    "pf2", "STANDBY"))), "pair did not come up: " + lab.states());
            lab.startWriter();
            for (int t = 0; t < trials; t++) {
                awaitRows(lab, 300);
                int logMark = lab.log(1).length();
                long cutAsked = System.currentTimeMillis();
                lab.power(0, "off");
                require(PairLab.await(Duration.ofSeconds(60), () -> lab.state(1).equals("ACTIVE")),
                        "no takeover: " + lab.states());
                awaitRows(lab, 300);
                long off = hostStopped(lab.bmc[0].hostLog());
                String log = lab.log(1).substring(logMark);
                long dead = at(log, "membership: peer pf1 dead");
                long fenced = at(log, "pf1 fenced: power verified off");
                long fs = at(log, "resource filesystem .* started and ready");
                long db = at(log, "resource mariadb .* started and ready");
                long vip = at(log, "resource vip .* started and ready");
                long[] gap = PairLab.largestGapAfter(lab.acknowledged(), cutAsked);
                m.get("detection (power off -> peer dead)").add(dead - off);
                m.get("fence (IPMI status, off, verified; delay skipped)").add(fenced - dead);
                m.get("mount").add(fs - fenced);
                m.get("MariaDB ready").add(db - fs);
                m.get("VIP").add(vip - db);
                m.get("power off -> writable through the VIP (client)").add(gap[1] - off);
                lostTotal += lost(lab, 1);
                lab.power(0, "on");
                require(PairLab.await(Duration.ofSeconds(60), () -> lab.states().equals(Map.of("pf1", "STANDBY",
                        "pf2", "ACTIVE"))), "pf1 did not rejoin: " + lab.states());
                awaitRows(lab, 300);
                long asked = System.currentTimeMillis();
                lab.ctl(1, "switchover");
                require(PairLab.await(Duration.ofSeconds(60), () -> lab.states().equals(Map.of("pf1", "ACTIVE",
                        "pf2", "STANDBY"))), "no switchover: " + lab.states());
                awaitRows(lab, 300);
                long[] sw = PairLab.largestGapAfter(lab.acknowledged(), asked);
                m.get("switchover downtime (client)").add(sw[1] - sw[0]);
                lostTotal += lost(lab, 0);
                System.err.printf("trial %d: takeover %d ms, switchover %d ms%n", t + 1, gap[1] - off, sw[1] - sw[0]);
            }
            lab.stopWriter();
            rowsTotal = lab.acknowledged().size();
            lostTotal += lost(lab, 0);
        }
        System.out.println("| step (" + trials + " trials) | median | p99 (max) | min |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, List<Long>> e : m.entrySet()) {
            List<Long> v = new ArrayList<>(e.getValue());
            v.sort(Long::compare);
            System.out.printf("| %s | %d ms | %d ms | %d ms |%n", e.getKey(), median(v), v.get(v.size() - 1), v.get(0));
        }
        System.out.printf("%nAcknowledged rows: %d written through the VIP across all trials; acknowledged rows missing "
                + "after a takeover or switchover: %d.%n", rowsTotal, lostTotal);
        dev.palisade.drivers.testing.Scratch.deleteTree(dir);
    }

    private static long lost(PairLab lab, int node) throws Exception {
        NavigableMap<Long, Long> acks = lab.acknowledged();
        Set<Long> rows = lab.rowsOn(node);
        return acks.keySet().stream().filter(n -> !rows.contains(n)).count();
    }

    private static void awaitRows(PairLab lab, int more) throws Exception {
        int base = lab.acknowledged().size();
        require(PairLab.await(Duration.ofSeconds(60), () -> {
            try {
                return lab.acknowledged().size() >= base + more;
            } catch (java.io.IOException e) {
                return false;
            }
        }), "the writer stopped at " + base + " rows");
    }

    /** When the chassis control saw the host's whole process group gone (the last power off in its log). */
    static long hostStopped(String hostLog) {
        long last = -1;
        for (String l : hostLog.split("\n")) {
            if (l.contains("stopped by SIGKILL")) {
                last = Math.round(Double.parseDouble(l.substring(0, l.indexOf(' '))) * 1000);
            }
        }
        require(last > 0, "no power off in the BMC's log");
        return last;
    }

    /** The time of the first log line matching {@code regex}. */
    static long at(String log, String regex) {
        Matcher mm = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*" + regex, Pattern.MULTILINE)
                .matcher(log);
        require(mm.find(), "no '" + regex + "' in the log");
        return LocalDateTime.parse(mm.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    }


    static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
