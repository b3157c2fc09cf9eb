package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * The scenarios, each from a healthy pair back to a healthy pair, the client writing throughout; each ends with
 * the history check (every acknowledged row present, never two writable). A scenario that sees something wrong
 * throws {@link LabFailure}.
 */
final class Scenarios {
    static final Duration RECOVER = Duration.ofSeconds(300);
    static final Duration TAKEOVER = Duration.ofSeconds(150);

    private final Pair pair;
    private final Faults faults;

    Scenarios(Pair pair) {
        this.pair = pair;
        this.faults = new Faults(pair);
    }

    private Appliance n(int i) {
        return pair.nodes[i];
    }

    /** 1. Power cut of the active appliance through its BMC: the survivor fences, promotes, mounts, starts, claims. */
    void powerCut(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        int a = h.active();
        int s = h.standby();
        long t = Pair.epochNanos();
        long n0 = System.nanoTime();
        n(a).power("off");
        o.note(n(a).name + " cut, " + n(s).name + " took over");
        pair.awaitView(s, "takes over (ACTIVE, MariaDB, VIP)", TAKEOVER, v -> v.state().equals("ACTIVE") && v.vip() && v.mariadb());
        Map<String, Long> steps = faults.takeoverTimings(s, t);
        if (!steps.containsKey("fence")) {
            throw new LabFailure(n(s).name + " took over without a verified fence in its journal: " + steps);
        }
        o.timings("", steps);
        Pair.Healthy back = pair.recover(RECOVER);
        o.clientGapMillis = pair.largestGapMillis(n0, System.nanoTime());
        if (back.active() != s) {
            throw new LabFailure("the group went back to " + n(back.active()).name + " (auto_failback is off)");
        }
        o.check = pair.check("after scenario 1").summary();
    }

    /** 2. Switchover with palisade ctl on the active appliance, and back with palisade ctl on the other. */
    void switchover(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        long since = Pair.epochNanos();
        int a = h.active();
        int b = h.standby();
        for (int round = 0; round < 2; round++) {
            int from = round == 0 ? a : b;
            int to = 1 - from;
            int asked = round == 0 ? from : to; // the active one hands over; then the standby one takes it
            long t = Pair.epochNanos();
            long n0 = System.nanoTime();
            GuestAgent.Reply r = n(asked).sh("palisade ctl switchover", Duration.ofSeconds(60));
            if (!r.ok() || !r.output().startsWith("ok:")) {
                throw new LabFailure("palisade ctl switchover on " + n(asked).name + ": " + r.output().strip());
            }
            pair.awaitView(to, "takes the group (ACTIVE, MariaDB, VIP)", TAKEOVER,
                    v -> v.state().equals("ACTIVE") && v.vip() && v.mariadb());
            o.timings(round == 0 ? "there" : "back", faults.takeoverTimings(to, t));
            Pair.Healthy now = pair.recover(RECOVER);
            o.timings.put((round == 0 ? "there" : "back") + " gap", pair.largestGapMillis(n0, System.nanoTime()));
            if (now.active() != to) {
                throw new LabFailure("after switchover the group is on " + n(now.active()).name + ", not " + n(to).name);
            }
        }
        faults.noDeathSince(since, "switchovers");
        o.note(n(a).name + " -> " + n(b).name + " (ctl on " + n(a).name + ") -> " + n(a).name + " (ctl on "
                + n(a).name + ")");
        o.check = pair.check("after scenario 2").summary();
    }

    /** 3. The replication link cut while both run: DRBD's fence-peer handler has the supervisor fence the peer. */
    void replicationCut(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        int a = h.active();
        int s = h.standby();
        long t = Pair.epochNanos();
        long n0 = System.nanoTime();
        pair.privateLink(0, false);
        pair.privateLink(1, false);
        Pair.await(n(s).name + " is fenced (DRBD's handler on " + n(a).name + ")", Pair.deadline(TAKEOVER),
                () -> !Pair.on(n(s)));
        long off = System.nanoTime();
        pair.awaitView(a, "still ACTIVE, writes go on", TAKEOVER, v -> v.state().equals("ACTIVE") && v.vip() && v.mariadb());
        Pair.await("rows are acknowledged on " + n(a).name + " alone", Pair.deadline(TAKEOVER),
                () -> pair.history.lastAcknowledged(HistoryCheck.ROWS) > off);
        if (!Pair.on(n(a))) {
            throw new LabFailure(n(a).name + ", the active one, was powered off");
        }
        Map<String, Long> steps = faults.handlerTimings(a, t);
        if (!steps.containsKey("handler asks")) {
            throw new LabFailure(n(s).name + " was fenced, but not at the request of DRBD's handler on " + n(a).name);
        }
        o.timings("", steps);
        o.note("link cut under load; " + n(a).name + " fenced " + n(s).name + " through DRBD's handler");
        Pair.Healthy back = pair.recover(RECOVER);
        o.clientGapMillis = pair.largestGapMillis(n0, System.nanoTime());
        if (back.active() != a) {
            throw new LabFailure("the group moved to " + n(back.active()).name);
        }
        o.check = pair.check("after scenario 3").summary();
    }

    /** 4. Both heartbeat links cut (serial unplugged, private network down): one stays active, the other is fenced. */
    void partition(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        int a = h.active();
        int s = h.standby();
        long t = Pair.epochNanos();
        long n0 = System.nanoTime();
        pair.cable.unplug();
        pair.privateLink(0, false);
        pair.privateLink(1, false);
        Pair.await("one appliance is fenced", Pair.deadline(TAKEOVER), () -> !Pair.on(n(0)) || !Pair.on(n(1)));
        if (!Pair.on(n(a))) {
            throw new LabFailure(n(a).name + ", which held the group, was fenced: the group moved");
        }
        pair.awaitView(a, "still ACTIVE", TAKEOVER, v -> v.state().equals("ACTIVE") && v.vip() && v.mariadb());
        o.timings("", faults.takeoverTimings(a, t));
        o.note(n(a).name + " (holding the group) fenced " + n(s).name);
        Pair.Healthy back = pair.recover(RECOVER);
        o.clientGapMillis = pair.largestGapMillis(n0, System.nanoTime());
        if (back.active() != a) {
            throw new LabFailure("the group moved to " + n(back.active()).name);
        }
        o.check = pair.check("after scenario 4").summary();
    }

    /**
     * 5. Site power loss with the appliance that was behind booting first: it waits with its Consistent disk (never
     * Primary, no MariaDB, no VIP) until the other returns; then the newer disk wins and nothing is lost.
     */
    void sitePowerLoss(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        int ahead = h.active();
        int behind = h.standby();
        n(behind).power("off");
        long acked = pair.history.acknowledged(HistoryCheck.ROWS);
        pair.awaitView(ahead, "goes on alone (peer fenced, disk UpToDate)", TAKEOVER,
                v -> v.state().equals("ACTIVE") && v.disk().equals("UpToDate") && !v.connection().equals("Connected"));
        Pair.await("30 more rows are acknowledged on " + n(ahead).name + " alone", Pair.deadline(TAKEOVER),
                () -> pair.history.acknowledged(HistoryCheck.ROWS) >= acked + 30);
        long lossAt = System.nanoTime();
        n(ahead).power("off");
        long boot = System.nanoTime();
        n(behind).power("on");
        pair.poweredOn(behind);
        NodeView waiting = faults.neverPromotes(behind, "waits with its Consistent disk", TAKEOVER, NodeView::waitingForData);
        o.timings.put("behind: power on to waiting", (System.nanoTime() - boot) / 1_000_000);
        GuestAgent.Reply status = n(behind).sh("palisade ctl status", Duration.ofSeconds(60));
        if (!status.output().contains("WAITING") || !status.output().contains("only Consistent")) {
            throw new LabFailure(n(behind).name + " does not say it waits for its Consistent disk: " + status.output());
        }
        long waitingAt = System.nanoTime();
        faults.neverPromotes(behind, "still waits 15 s later", Duration.ofSeconds(60),
                v -> v.waitingForData() && System.nanoTime() - waitingAt > 15_000_000_000L);
        o.note(n(behind).name + " (behind) booted first and waited: " + waiting.status() + ", disk " + waiting.disk());
        long t = System.nanoTime();
        n(ahead).power("on");
        pair.poweredOn(ahead);
        Pair.Healthy back = pair.recover(RECOVER);
        o.timings.put("ahead: power on to healthy", (System.nanoTime() - t) / 1_000_000);
        o.clientGapMillis = pair.largestGapMillis(lossAt, System.nanoTime());
        o.note("then " + n(back.active()).name + " ACTIVE");
        o.check = pair.check("after scenario 5").summary();
    }

    /** 6. The active supervisor SIGKILLed, then (once healthy again) SIGSTOPped: restarted or taken over, nothing lost. */
    void supervisorDies(Outcome o) throws LabFailure, IOException {
        for (String signal : new String[] {"KILL", "STOP"}) {
            Pair.Healthy h = pair.recover(RECOVER);
            int a = h.active();
            long t = Pair.epochNanos();
            long n0 = System.nanoTime();
            GuestAgent.Reply r = n(a).sh("kill -" + signal + " $(systemctl show -p MainPID --value palisade.service)",
                    Duration.ofSeconds(30));
            if (!r.ok()) {
                throw new LabFailure("kill -" + signal + " of the supervisor on " + n(a).name + ": " + r.output());
            }
            Pair.Healthy back = pair.recover(RECOVER);
            boolean fenced = faults.poweredOffSince(a, t);
            String how = fenced ? n(back.active()).name + " fenced " + n(a).name + " and took over"
                    : back.active() == a ? "systemd restarted it, " + n(a).name + " kept the group"
                    : "the group moved to " + n(back.active()).name;
            o.note("SIG" + signal + ": " + how);
            if (back.active() != a) {
                o.timings("SIG" + signal, faults.takeoverTimings(back.active(), t));
            }
            o.timings.put("SIG" + signal + " gap", pair.largestGapMillis(n0, System.nanoTime()));
            pair.check("after scenario 6 (SIG" + signal + ")");
        }
        o.check = pair.check("after scenario 6").summary();
    }

    /** 7. MariaDB crashes on the active appliance: restarted in place once; the second failure hands the group over. */
    void mariadbCrash(Outcome o) throws LabFailure, IOException {
        Pair.Healthy h = pair.recover(RECOVER);
        int a = h.active();
        int s = h.standby();
        long since = Pair.epochNanos();
        long t = Pair.epochNanos();
        long n0 = System.nanoTime();
        faults.killMariadb(a);
        o.timings("in place", faults.restartInPlace(a, t));
        Pair.Healthy again = pair.recover(RECOVER);
        o.timings.put("in place gap", pair.largestGapMillis(n0, System.nanoTime()));
        if (again.active() != a) {
            throw new LabFailure("the first MariaDB failure moved the group to " + n(again.active()).name);
        }
        t = Pair.epochNanos();
        n0 = System.nanoTime();
        faults.killMariadb(a);
        pair.awaitView(s, "takes the group after the second failure", TAKEOVER,
                v -> v.state().equals("ACTIVE") && v.vip() && v.mariadb());
        o.timings("handover", faults.takeoverTimings(s, t));
        Pair.Healthy moved = pair.recover(RECOVER);
        o.timings.put("handover gap", pair.largestGapMillis(n0, System.nanoTime()));
        if (moved.active() != s) {
            throw new LabFailure("after the second failure the group is on " + n(moved.active()).name);
        }
        faults.noDeathSince(since, "MariaDB failures");
        GuestAgent.Reply r = n(a).sh("palisade ctl cleanup", Duration.ofSeconds(60));
        o.note("restarted in place on " + n(a).name + ", then handed to " + n(s).name + "; ctl cleanup: "
                + r.output().strip());
        o.check = pair.check("after scenario 7").summary();
    }
}
