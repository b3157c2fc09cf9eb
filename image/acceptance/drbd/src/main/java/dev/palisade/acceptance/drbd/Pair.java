package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The two appliances, alpha (the group's home) and beta, with their BMCs, the serial cable, and the clients on the
 * host; and the waits every scenario is made of. Every wait has a deadline and fails the run past it.
 */
final class Pair implements AutoCloseable {
    final Appliance[] nodes;
    final SerialCable cable;
    final History history;
    final Clients clients;
    final Path runDir;
    private final Path pids;

    /** The pair in the state every scenario starts from and returns to. */
    record Healthy(int active, NodeView[] views) {
        int standby() {
            return 1 - active;
        }
    }

    Pair(Path runDir, Path kernel, Path initrd, Path root) throws IOException, InterruptedException {
        this.runDir = runDir;
        this.pids = Files.createDirectories(runDir.resolve("pids"));
        this.nodes = new Appliance[] {new Appliance("alpha", 0, runDir), new Appliance("beta", 1, runDir)};
        this.history = new History(runDir.resolve("history.log"));
        this.clients = new Clients(history);
        for (Appliance a : nodes) {
            a.prepare(kernel, initrd, root);
        }
        this.cable = new SerialCable(new int[] {Appliance.cablePort(0), Appliance.cablePort(1)},
                new int[] {Appliance.guestCablePort(0), Appliance.guestCablePort(1)});
        for (Appliance a : nodes) {
            a.startBmc(pids);
        }
    }

    Appliance node(int i) {
        return nodes[i];
    }

    /** Host wall clock in epoch nanoseconds. */
    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * First boot: the supervisor masked, DRBD's meta-data made on both disks, the data (file system, MariaDB,
     * the application's tables) written on alpha through DRBD, both powered off by a clean shutdown.
     */
    void provision(Duration max) throws LabFailure, IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        for (Appliance a : nodes) {
            a.bootArgs("systemd.mask=palisade.service systemd.mask=drbd@r0.service");
            a.power("on");
        }
        for (Appliance a : nodes) {
            await(a.name + " answers its agent", deadline, () -> reachable(a));
            GuestAgent.Reply r = a.sh(Resources.text("provision-disk.sh"), Duration.ofSeconds(120));
            if (!r.ok()) {
                throw new LabFailure(a.name + ": provisioning DRBD failed: " + r.output());
            }
        }
        await("DRBD connected", deadline, () -> {
            NodeView v = nodes[0].view();
            return v != null && v.connection().equals("Connected");
        });
        GuestAgent.Reply r = nodes[0].sh(Resources.text("provision-data.sh"), Duration.ofSeconds(300));
        if (!r.ok()) {
            throw new LabFailure("alpha: provisioning the data failed: " + r.output());
        }
        for (Appliance a : nodes) {
            r = a.sh("drbdadm down r0 && sync", Duration.ofSeconds(60));
            if (!r.ok()) {
                throw new LabFailure(a.name + ": drbdadm down: " + r.output());
            }
            a.bootArgs("");
            try {
                a.sh("systemctl --no-block poweroff", Duration.ofSeconds(10));
            } catch (GuestAgent.Unreachable e) {
                // it may go before it answers
            }
        }
        for (Appliance a : nodes) {
            await(a.name + " powers off", deadline, () -> !on(a));
        }
    }

    private static boolean reachable(Appliance a) {
        try {
            return a.sh("true", Duration.ofSeconds(5)).ok();
        } catch (GuestAgent.Unreachable e) {
            return false;
        }
    }

    /** Whether the BMC reads the appliance on; a BMC that does not answer fails the run. */
    static boolean on(Appliance a) {
        try {
            return a.poweredOn();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code c} about every 500 ms until it holds; past the deadline the run fails naming {@code what}. */
    static void await(String what, long deadlineNanos, Condition c) throws LabFailure {
        Exception last = null;
        while (true) {
            try {
                if (c.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new LabFailure("timed out waiting until " + what + (last == null ? "" : " (last error: "
                        + last.getMessage() + ")"));
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabFailure("interrupted waiting until " + what);
            }
        }
    }

    static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    /** Waits until appliance {@code i}'s view satisfies {@code p}; the view. */
    NodeView awaitView(int i, String what, Duration max, Predicate<NodeView> p) throws LabFailure {
        NodeView[] seen = new NodeView[1];
        await(nodes[i].name + " " + what, deadline(max), () -> {
            NodeView v = nodes[i].view();
            seen[0] = v;
            return v != null && p.test(v);
        });
        return seen[0];
    }

    /** Both appliances' views (null for one that does not answer). */
    NodeView[] views() {
        return new NodeView[] {nodes[0].view(), nodes[1].view()};
    }

    /** Which appliance is healthy-active in {@code v} with its peer healthy-standby, or -1. */
    static int healthyActive(NodeView[] v) {
        if (v[0] == null || v[1] == null) {
            return -1;
        }
        for (int a = 0; a < 2; a++) {
            NodeView act = v[a];
            NodeView sb = v[1 - a];
            if (act.unit().equals("active") && sb.unit().equals("active")
                    && act.status().equals("ACTIVE, peer STANDBY, 2/2 links")
                    && sb.status().equals("STANDBY, peer ACTIVE, 2/2 links")
                    && act.drbd().equals("Connected Primary/Secondary UpToDate/UpToDate")
                    && sb.drbd().equals("Connected Secondary/Primary UpToDate/UpToDate")
                    && act.vip() && !sb.vip() && act.mariadb() && !sb.mariadb()) {
                return a;
            }
        }
        return -1;
    }

    /**
     * Brings the pair back: the cable plugged, both private NICs up, both powered on (a node that is off waits until
     * the other is ACTIVE, or 60 s, as an operator would), then waits until one is ACTIVE, the other STANDBY, DRBD
     * connected and UpToDate on both, and the client's rows acknowledged again.
     */
    Healthy recover(Duration max) throws LabFailure {
        long deadline = deadline(max);
        long started = System.nanoTime();
        cable.plug();
        await("the pair is healthy again (one ACTIVE, one STANDBY, DRBD UpToDate on both, the VIP on the ACTIVE one)",
                deadline, () -> {
                    NodeView[] v = views();
                    for (int i = 0; i < 2; i++) {
                        if (!on(nodes[i])) {
                            boolean otherActive = v[1 - i] != null && v[1 - i].state().equals("ACTIVE");
                            if (otherActive || System.nanoTime() - started > 60_000_000_000L || !on(nodes[1 - i])) {
                                nodes[i].power("on");
                                poweredOn(i);
                            }
                        } else if (v[i] != null) {
                            linkUp(i);
                        }
                    }
                    return healthyActive(v) >= 0;
                });
        long healthyAt = System.nanoTime();
        await("the client's rows are acknowledged again", deadline,
                () -> history.lastAcknowledged(HistoryCheck.ROWS) > healthyAt);
        NodeView[] v = views();
        int a = healthyActive(v);
        if (a < 0) {
            if (System.nanoTime() > deadline) {
                throw new LabFailure("the pair did not stay healthy: " + v[0] + " / " + v[1]);
            }
            return recover(Duration.ofNanos(deadline - System.nanoTime()));
        }
        return new Healthy(a, v);
    }

    private final boolean[] linkDown = new boolean[2];

    /** Pulls or plugs appliance {@code i}'s private NIC cable (replication and UDP heartbeat). */
    void privateLink(int i, boolean up) throws IOException {
        nodes[i].privateLink(up);
        linkDown[i] = !up;
    }

    private void linkUp(int i) throws IOException {
        if (linkDown[i]) {
            privateLink(i, true);
        }
    }

    /** A power-on resets the NIC's link: what QEMU starts with. */
    void poweredOn(int i) {
        linkDown[i] = false;
    }

    /** Every row of both tables, read through the VIP. */
    Map<String, Set<Long>> readTables(Duration max) throws LabFailure {
        Map<String, Set<Long>> out = new HashMap<>();
        await("the tables can be read through the VIP", deadline(max), () -> {
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + Clients.VIP
                    + ":3306/app?connectTimeout=2000&socketTimeout=60000", "app", "apppass");
                 Statement s = c.createStatement()) {
                for (String t : List.of(HistoryCheck.ROWS, HistoryCheck.PROBES)) {
                    Set<Long> keys = new HashSet<>();
                    try (ResultSet rs = s.executeQuery("SELECT n FROM " + t)) {
                        while (rs.next()) {
                            keys.add(rs.getLong(1));
                        }
                    }
                    out.put(t, keys);
                }
                return true;
            } catch (SQLException e) {
                throw new IOException(e.getMessage(), e);
            }
        });
        return out;
    }

    /** The history so far against the tables as they are now; fails the run on any violation. */
    HistoryCheck.Report check(String when) throws LabFailure {
        long readAt = System.nanoTime();
        Map<String, Set<Long>> tables = readTables(Duration.ofSeconds(60));
        HistoryCheck.Report r = HistoryCheck.check(history.ops(), history.roles(), tables, readAt);
        System.out.println("check " + when + ": " + r.summary());
        if (!r.valid()) {
            throw new LabFailure("check " + when + " failed: " + r.summary());
        }
        return r;
    }

    /** Guest clock minus host clock for appliance {@code i} (ns), from the closest of three reads. */
    long clockOffset(int i) throws LabFailure {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int k = 0; k < 3; k++) {
            long t0 = epochNanos();
            NodeView v = nodes[i].view();
            long t1 = epochNanos();
            if (v != null && v.clockNanos() > 0 && t1 - t0 < best) {
                best = t1 - t0;
                offset = v.clockNanos() - (t0 + t1) / 2;
            }
        }
        if (best == Long.MAX_VALUE) {
            throw new LabFailure(nodes[i].name + " does not answer: cannot read its clock");
        }
        return offset;
    }

    /** The largest gap between consecutive acknowledged rows acknowledged between the two times (ms). */
    long largestGapMillis(long fromNanos, long toNanos) {
        List<Long> acks = new ArrayList<>();
        for (History.Op op : history.ops()) {
            if (op.type() == History.Type.OK && op.table().equals(HistoryCheck.ROWS)) {
                acks.add(op.nanos());
            }
        }
        long worst = 0;
        long prev = -1;
        for (long t : acks) {
            if (prev >= 0 && t >= fromNanos && prev <= toNanos) {
                worst = Math.max(worst, t - prev);
            }
            prev = t;
        }
        return worst / 1_000_000;
    }

    @Override
    public void close() throws IOException {
        clients.close();
        for (Appliance a : nodes) {
            a.stopBmc();
            a.killQemu();
        }
        cable.close();
        history.close();
    }
}
