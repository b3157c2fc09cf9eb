package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** The faults' hands and eyes shared by the scenarios and the nemesis: killing things, reading the journals. */
final class Faults {
    private final Pair pair;

    Faults(Pair pair) {
        this.pair = pair;
    }

    /** Host time {@code epochNanos} on appliance {@code i}'s clock, in epoch microseconds. */
    private long guestMicros(int i, long epochNanos) throws LabFailure {
        return (epochNanos + pair.clockOffset(i)) / 1000;
    }

    private Timeline journal(int i, long faultMicros) throws LabFailure {
        try {
            return Timeline.of(pair.nodes[i], faultMicros / 1000 - 30_000);
        } catch (GuestAgent.Unreachable e) {
            throw new LabFailure("cannot read " + pair.nodes[i].name + "'s journal: " + e.getMessage());
        }
    }

    /** The takeover on appliance {@code i} after a fault at host time {@code faultEpochNanos}, as its journal timed it. */
    Map<String, Long> takeoverTimings(int i, long faultEpochNanos) throws LabFailure {
        long fault = guestMicros(i, faultEpochNanos);
        return journal(i, fault).takeover(fault);
    }

    /** DRBD's handler on appliance {@code a} after the link cut at {@code faultEpochNanos}: when it asked, when fenced. */
    Map<String, Long> handlerTimings(int a, long faultEpochNanos) throws LabFailure {
        long fault = guestMicros(a, faultEpochNanos);
        Timeline tl = journal(a, fault);
        Map<String, Long> t = new LinkedHashMap<>();
        Timeline.Line asked = tl.first("^fence \\S+: asked by DRBD's fence-peer handler", fault);
        if (asked != null) {
            t.put("handler asks", (asked.micros() - fault) / 1000);
            Timeline.Line fenced = tl.first("^fence \\S+ fenced: power verified off", asked.micros());
            if (fenced != null) {
                t.put("fenced", (fenced.micros() - fault) / 1000);
            }
        }
        return t;
    }

    /** No "peer dead" in either journal since {@code epochNanos}: a calm scenario must not see a false death. */
    void noDeathSince(long epochNanos, String during) throws LabFailure {
        for (int i = 0; i < 2; i++) {
            long since = guestMicros(i, epochNanos);
            Timeline.Line dead = journal(i, since).first("^membership: peer \\S+ dead", since);
            if (dead != null) {
                throw new LabFailure(pair.nodes[i].name + " declared its peer dead during " + during
                        + " (a false death: choose longer heartbeat timers): " + dead.message());
            }
        }
    }

    /** Whether appliance {@code i}'s BMC cut its power since {@code epochNanos} (the chassis control's log). */
    boolean poweredOffSince(int i, long epochNanos) throws IOException {
        Path log = pair.nodes[i].dir.resolve("power.log");
        if (!Files.exists(log)) {
            return false;
        }
        for (String l : Files.readAllLines(log, StandardCharsets.US_ASCII)) {
            String[] f = l.split(" ");
            if (f.length >= 3 && f[1].equals("power") && f[2].equals("off")) {
                String[] sec = f[0].split("\\.");
                long ns = Long.parseLong(sec[0]) * 1_000_000_000L + (sec.length > 1 ? Long.parseLong(
                        (sec[1] + "000000000").substring(0, 9)) : 0);
                if (ns >= epochNanos) {
                    return true;
                }
            }
        }
        return false;
    }

    /** SIGKILL to mariadbd on appliance {@code i}: a crash. */
    void killMariadb(int i) throws LabFailure {
        try {
            GuestAgent.Reply r = pair.nodes[i].sh("pkill -KILL -x mariadbd", Duration.ofSeconds(30));
            if (!r.ok()) {
                throw new LabFailure("no mariadbd to kill on " + pair.nodes[i].name + ": " + r.output());
            }
        } catch (GuestAgent.Unreachable e) {
            throw new LabFailure(e.getMessage());
        }
    }

    /**
     * After a MariaDB crash at {@code faultEpochNanos}: the monitor on appliance {@code a} finds it failed, the node
     * restarts it in place (RECOVERING) and is ACTIVE again; the steps from its journal.
     */
    Map<String, Long> restartInPlace(int a, long faultEpochNanos) throws LabFailure {
        long fault = guestMicros(a, faultEpochNanos);
        Timeline[] tl = new Timeline[1];
        Pair.await(pair.nodes[a].name + " restarts MariaDB in place (RECOVERING, then ACTIVE)",
                Pair.deadline(Scenarios.TAKEOVER), () -> {
                    tl[0] = journal(a, fault);
                    Timeline.Line rec = tl[0].first("^failover: ACTIVE -> RECOVERING", fault);
                    return rec != null && tl[0].first("^failover: RECOVERING -> ACTIVE", rec.micros()) != null;
                });
        Map<String, Long> t = new LinkedHashMap<>();
        Timeline.Line failed = tl[0].first("^monitor: mariadb .* on the active node", fault);
        Timeline.Line rec = tl[0].first("^failover: ACTIVE -> RECOVERING", fault);
        Timeline.Line ready = tl[0].first("^resource mariadb .* started and ready in", rec.micros());
        Timeline.Line active = tl[0].first("^failover: RECOVERING -> ACTIVE", rec.micros());
        if (failed != null) {
            t.put("detection", (failed.micros() - fault) / 1000);
        }
        if (ready != null) {
            t.put("mariadb", Long.parseLong(ready.message().replaceAll(".* in (\\d+) ms$", "$1")));
        }
        t.put("active", (active.micros() - fault) / 1000);
        return t;
    }

    /**
     * Waits until appliance {@code i}'s view satisfies {@code until}, failing at once if it ever shows the group
     * there (DRBD Primary, the VIP or MariaDB); the last view.
     */
    NodeView neverPromotes(int i, String what, Duration max, Predicate<NodeView> until) throws LabFailure {
        NodeView[] last = new NodeView[1];
        LabFailure[] promoted = new LabFailure[1];
        Pair.await(pair.nodes[i].name + " " + what, Pair.deadline(max), () -> {
            NodeView v = pair.nodes[i].view();
            if (v == null) {
                return false;
            }
            last[0] = v;
            if (v.role().equals("Primary") || v.vip() || v.mariadb()) {
                promoted[0] = new LabFailure(pair.nodes[i].name + " started the group on data that may be stale: " + v);
                return true;
            }
            return until.test(v);
        });
        if (promoted[0] != null) {
            throw promoted[0];
        }
        return last[0];
    }
}
