package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code make acceptance}, the DRBD part (started by image/acceptance/drbd/run.sh inside the lab's network
 * namespace): provisions two appliances, boots them, starts the client, runs the scenarios in order and the nemesis,
 * checks the whole history at the end, and writes the results as Markdown for bench/RESULTS.md. Exit code 0 when
 * every check held, 1 when one did not (run.sh then prints both consoles' tails), 2 on a usage error.
 *
 * <pre>
 * DrbdAcceptance --run-dir DIR --kernel FILE --initrd FILE --root FILE --results FILE
 *                [--seed N] [--nemesis-minutes M] [--scenarios 2,7,1,3,4,5,6,8]
 * </pre>
 */
public final class DrbdAcceptance {
    private DrbdAcceptance() {
    }

    /** The scenarios by number, as the results list them. */
    private static final Map<Integer, String> NAMES = Map.of(
            1, "1. power cut of the active appliance (BMC)",
            2, "2. switchover and back (palisade ctl)",
            3, "3. replication link cut while both run",
            4, "4. both heartbeat links cut",
            5, "5. site power loss, the appliance that was behind boots first",
            6, "6. supervisor SIGKILL, then SIGSTOP, on the active appliance",
            7, "7. MariaDB crashes on the active appliance, twice",
            8, "8. nemesis");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        for (String k : List.of("--run-dir", "--kernel", "--initrd", "--root", "--results")) {
            if (!opt.containsKey(k)) {
                System.err.println("usage: DrbdAcceptance --run-dir DIR --kernel FILE --initrd FILE --root FILE"
                        + " --results FILE [--seed N] [--nemesis-minutes M] [--scenarios 2,7,1,3,4,5,6,8]");
                System.exit(2);
            }
        }
        long seed = Long.parseLong(opt.getOrDefault("--seed", String.valueOf(System.nanoTime() & 0xffffffffL)));
        Duration nemesis = Duration.ofSeconds(Math.round(Double.parseDouble(opt.getOrDefault("--nemesis-minutes", "10")) * 60));
        List<Integer> order = new ArrayList<>();
        for (String s : opt.getOrDefault("--scenarios", "2,7,1,3,4,5,6,8").split(",")) {
            order.add(Integer.parseInt(s.strip()));
        }
        Path results = Path.of(opt.get("--results"));
        int rc = run(Path.of(opt.get("--run-dir")), Path.of(opt.get("--kernel")), Path.of(opt.get("--initrd")),
                Path.of(opt.get("--root")), order, seed, nemesis, results);
        System.exit(rc);
    }

    private static int run(Path runDir, Path kernel, Path initrd, Path root, List<Integer> order, long seed,
                           Duration nemesis, Path results) throws IOException, InterruptedException {
        Map<Integer, Outcome> outcomes = new LinkedHashMap<>();
        List<String> lab = new ArrayList<>();
        String failure = null;
        HistoryCheck.Report last = null;
        Pair pair = new Pair(runDir, kernel, initrd, root);
        try {
            long t = System.nanoTime();
            System.out.println("provisioning both appliances (DRBD meta-data, file system, MariaDB, tables)");
            pair.provision(Duration.ofMinutes(8));
            lab.add("provisioning " + (System.nanoTime() - t) / 1_000_000_000 + " s");
            t = System.nanoTime();
            System.out.println("booting the pair");
            for (int i = 0; i < 2; i++) {
                pair.node(i).power("on");
            }
            pair.clients.start(List.of(pair.nodes));
            Pair.Healthy h = pair.recover(Duration.ofMinutes(5));
            lab.add("power on to healthy " + (System.nanoTime() - t) / 1_000_000_000 + " s (" + pair.node(h.active()).name
                    + " ACTIVE)");
            Scenarios s = new Scenarios(pair);
            for (int n : order) {
                Outcome o = new Outcome(NAMES.getOrDefault(n, "scenario " + n));
                outcomes.put(n, o);
                long start = System.nanoTime();
                System.out.println("scenario " + o.name);
                try {
                    switch (n) {
                        case 1 -> s.powerCut(o);
                        case 2 -> s.switchover(o);
                        case 3 -> s.replicationCut(o);
                        case 4 -> s.partition(o);
                        case 5 -> s.sitePowerLoss(o);
                        case 6 -> s.supervisorDies(o);
                        case 7 -> s.mariadbCrash(o);
                        case 8 -> new Nemesis(pair, seed).run(o, nemesis);
                        default -> throw new LabFailure("no scenario " + n);
                    }
                } catch (LabFailure | RuntimeException e) {
                    o.failure = String.valueOf(e.getMessage());
                    failure = o.name + ": " + e.getMessage();
                } finally {
                    o.elapsedMillis = (System.nanoTime() - start) / 1_000_000;
                    System.out.println(o.line());
                }
                // what ran so far is kept even if the run is stopped later (run.sh appends it either way)
                Files.writeString(results, Report.markdown(outcomes, lab, null, failure, seed));
                if (failure != null) {
                    break;
                }
                if (n == 7 || n == 2) {
                    lab.add(heartbeatGaps(pair));
                }
            }
            if (failure == null) {
                pair.recover(Scenarios.RECOVER);
                Thread.sleep(2000);
                pair.clients.close();
                last = pair.check("at the end (the whole history)");
                for (NodeView v : pair.views()) {
                    if (v == null || !v.disk().equals("UpToDate") || !v.peerDisk().equals("UpToDate")) {
                        throw new LabFailure("at the end DRBD is not UpToDate on both: " + v);
                    }
                }
            }
        } catch (LabFailure | RuntimeException e) {
            failure = (failure == null ? "" : failure + "; then ") + e.getMessage();
        } finally {
            if (failure != null) {
                System.out.println("FAILED: " + failure);
            }
            pair.close();
        }
        Files.writeString(results, Report.markdown(outcomes, lab, last, failure, seed));
        return failure == null ? 0 : 1;
    }

    /** The supervisors' own count of heartbeat gaps so far (their periodic "frame gaps" lines). */
    private static String heartbeatGaps(Pair pair) {
        StringBuilder sb = new StringBuilder("heartbeat gaps so far:");
        for (Appliance a : pair.nodes) {
            try {
                Map<String, String> g = Timeline.of(a, 0).frameGaps();
                sb.append(" ").append(a.name).append(" ").append(g.isEmpty() ? "(none reported yet)" : g);
            } catch (GuestAgent.Unreachable e) {
                sb.append(" ").append(a.name).append(" unreachable");
            }
        }
        return sb.toString();
    }
}
