package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * 8. Random faults of the kinds of scenarios 1-7 for a set time, Jepsen-style: the client and the probes write the
 * whole time, the history is checked after every fault and at the end. The faults are drawn from a seeded random
 * source, printed first, so that {@code SEED=N} replays the same sequence of decisions (the appliances' own timing
 * still differs from run to run).
 */
final class Nemesis {
    enum Kind { POWER_CUT_ACTIVE, POWER_CUT_STANDBY, SWITCHOVER, REPLICATION_CUT, PARTITION, SUPERVISOR_KILL,
        SUPERVISOR_STOP, MARIADB_CRASH, SITE_POWER_LOSS }

    private final Pair pair;
    private final Faults faults;
    private final long seed;
    private final Random random;
    private final Map<Kind, List<Long>> recoveries = new TreeMap<>();

    Nemesis(Pair pair, long seed) {
        this.pair = pair;
        this.faults = new Faults(pair);
        this.seed = seed;
        this.random = new Random(seed);
    }

    void run(Outcome o, Duration length) throws LabFailure, IOException {
        System.out.println("nemesis: seed " + seed + " (replay: SEED=" + seed + "), " + length.toMinutes() + " min");
        long end = System.nanoTime() + length.toNanos();
        int n = 0;
        while (System.nanoTime() < end) {
            Pair.Healthy h = pair.recover(Scenarios.RECOVER);
            Kind k = Kind.values()[random.nextInt(Kind.values().length)];
            int target = random.nextBoolean() ? h.active() : h.standby();
            long settle = 2000 + random.nextInt(8000);
            long t = System.nanoTime();
            String what = inject(k, h, target);
            sleep(settle);
            Pair.Healthy back = pair.recover(Scenarios.RECOVER);
            long took = (System.nanoTime() - t) / 1_000_000;
            recoveries.computeIfAbsent(k, x -> new ArrayList<>()).add(took);
            n++;
            System.out.println("nemesis " + n + ": " + k + " " + what + "; healthy again after " + took + " ms, "
                    + pair.nodes[back.active()].name + " ACTIVE");
            pair.check("after nemesis fault " + n + " (" + k + ")");
        }
        o.note("seed " + seed + ", " + n + " faults");
        recoveries.forEach((k, v) -> {
            List<Long> s = new ArrayList<>(v);
            s.sort(null);
            o.timings.put(k.name().toLowerCase().replace('_', ' ') + " x" + s.size() + " (fault to healthy, median)",
                    s.get(s.size() / 2));
        });
    }

    private String inject(Kind k, Pair.Healthy h, int target) throws LabFailure, IOException {
        Appliance t = pair.nodes[target];
        Appliance active = pair.nodes[h.active()];
        switch (k) {
            case POWER_CUT_ACTIVE -> {
                active.power("off");
                return active.name + " cut";
            }
            case POWER_CUT_STANDBY -> {
                pair.nodes[h.standby()].power("off");
                return pair.nodes[h.standby()].name + " cut";
            }
            case SWITCHOVER -> {
                GuestAgent.Reply r = t.sh("palisade ctl switchover", Duration.ofSeconds(60));
                if (!r.output().startsWith("ok:")) {
                    throw new LabFailure("palisade ctl switchover on " + t.name + ": " + r.output().strip());
                }
                return "asked on " + t.name;
            }
            case REPLICATION_CUT -> {
                pair.privateLink(0, false);
                pair.privateLink(1, false);
                return "private link cut";
            }
            case PARTITION -> {
                pair.cable.unplug();
                pair.privateLink(0, false);
                pair.privateLink(1, false);
                return "serial cable and private link cut";
            }
            case SUPERVISOR_KILL, SUPERVISOR_STOP -> {
                String sig = k == Kind.SUPERVISOR_KILL ? "KILL" : "STOP";
                GuestAgent.Reply r = t.sh("kill -" + sig + " $(systemctl show -p MainPID --value palisade.service)",
                        Duration.ofSeconds(30));
                if (!r.ok()) {
                    throw new LabFailure("kill -" + sig + " on " + t.name + ": " + r.output());
                }
                return "SIG" + sig + " to the supervisor on " + t.name;
            }
            case MARIADB_CRASH -> {
                faults.killMariadb(h.active());
                return "mariadbd SIGKILLed on " + active.name;
            }
            default -> {
                // both lose power at once and come back in a random order, the second up to 20 s later
                pair.nodes[0].power("off");
                pair.nodes[1].power("off");
                int first = random.nextInt(2);
                pair.nodes[first].power("on");
                pair.poweredOn(first);
                sleep(random.nextInt(20_000));
                pair.nodes[1 - first].power("on");
                pair.poweredOn(1 - first);
                return "both cut, " + pair.nodes[first].name + " back first";
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
