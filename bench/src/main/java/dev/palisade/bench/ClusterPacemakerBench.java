package dev.palisade.bench;

import static dev.palisade.bench.ClusterBench.awaitRows;
import static dev.palisade.bench.ClusterBench.firstAckAfter;
import static dev.palisade.bench.Pacemaker.await;

import dev.palisade.supervisor.cluster.lab.ClusterLab;
import dev.palisade.supervisor.pair.PairLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cluster's anchor for {@link ClusterBench}: Pacemaker 2.1 with Pacemaker's galera agent on the same three-node
 * lab ({@link ClusterLab}: the namespaces, each node powered by its own ipmi_sim, its own corosync with the same
 * corosync.conf and token, the same MariaDB data directories and Galera timers, the VIP, the application writing
 * rows through it). Each node boots corosync and pacemakerd instead of the supervisor. The configuration is the
 * agent's documented one: ocf:heartbeat:galera as a promotable clone with {@code promoted-max=3}, the Pacemaker
 * node names mapped to the Galera addresses by {@code cluster_host_map}; ocf:heartbeat:IPaddr2 colocated with a
 * Promoted instance and ordered after the promote; stonith fence_ipmilan per node against its ipmi_sim, {@code
 * stonith-action=off}.
 *
 * <p>Timers tuned for a quick recovery, as printed in the results: token as the lab's (400 ms, token_coefficient
 * 0), {@code dc-deadtime} 2 s instead of 20 s, galera monitors every 2 s (Promoted) and 3 s (Unpromoted: it is
 * the monitor that elects the bootstrap node once every node has reported), IPaddr2 every 1 s; the server started
 * as {@code mariadbd} itself, not through mysqld_safe (which would run a second --wsrep-recover on every start).
 * The VIP's order after the clone's promote makes it wait for every promote of the same transition, the joiners'
 * included (each returns once its node is Synced): "bootstrap node Promoted" shows when the cluster itself could
 * first take writes.
 *
 * <p>Trials: the VIP holder's power cut (power off -> writable through the VIP), then a full outage with every
 * node powered back at once (power on -> writable). Once at the end: a full outage with one node left off for
 * {@code MISSING_S} seconds (what the agent does, resource-agents #1009), then that node powered on.
 *
 * <p>{@code ClusterPacemakerBench TRIALS MISSING_S}
 */
public final class ClusterPacemakerBench {
    private static final String VIA_HOLDER = "Pacemaker galera agent: power cut of the VIP holder: ";
    private static final String OUTAGE = "Pacemaker galera agent: full outage, all back: ";
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy MMM dd HH:mm:ss.SSS",
            Locale.ENGLISH);

    private ClusterPacemakerBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        int missing = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory("palisade-clusterpmbench");
        Map<String, List<Long>> m = new LinkedHashMap<>();
        for (String k : List.of(VIA_HOLDER + "VIP on another node", VIA_HOLDER + "power off -> writable through the VIP "
                + "(client)", OUTAGE + "bootstrap node Promoted", OUTAGE + "power on -> writable through the VIP")) {
            m.put(k, new ArrayList<>());
        }
        long lost = 0;
        long rows;
        String stuck;
        try (ClusterLab lab = ClusterLab.create(dir, ClusterLab.Timing.FAST,
                (i, d) -> List.of("/bin/sh", "-c", Pacemaker.start(d) + "wait\n"))) {
            for (int i = 0; i < lab.size(); i++) {
                Path d = dir.resolve("n" + (i + 1));
                Pacemaker.stateDirs(d);
                Files.writeString(d.resolve("etc-corosync/galera.cnf"), GaleraCnf.of(i + 1));
            }
            for (int i = 0; i < lab.size(); i++) {
                lab.power(i, "on");
            }
            await("three nodes online", 120, () -> crmMon(lab).contains("Online: [ n1 n2 n3 ]"));
            Pacemaker.configure(c -> lab.inNode(0, 60_000, c), dir, DEFAULTS, resources(), CONSTRAINTS);
            // the controllers of a cluster that starts wait dc-deadtime (20 s by default) before they elect a DC;
            // on one bridge, with corosync's membership already formed, 2 s is plenty
            Pacemaker.check(lab.inNode(0, 60_000, "crm_attribute", "-t", "crm_config", "-n", "dc-deadtime", "-v",
                    "2s"));
            await("galera Promoted on every node and the VIP up", 300, () -> allPromoted(lab));
            lab.createApp(lab.vipHolder());
            lab.startWriter();
            awaitRows(lab, 300);
            for (int t = 0; t < trials; t++) {
                int holder = lab.vipHolder();
                long asked = System.currentTimeMillis();
                lab.power(holder, "off");
                long off = PairBench.hostStopped(lab.bmc[holder].hostLog());
                await("the VIP moved", 180, () -> lab.vipHolder() >= 0 && lab.vipHolder() != holder);
                long moved = System.currentTimeMillis();
                awaitRows(lab, 300);
                long[] gap = PairLab.largestGapAfter(lab.acknowledged(), asked);
                m.get(VIA_HOLDER + "VIP on another node").add(moved - off);
                m.get(VIA_HOLDER + "power off -> writable through the VIP (client)").add(gap[1] - off);
                lost += ClusterBench.lost(lab);
                lab.power(holder, "on");
                await("n" + (holder + 1) + " Promoted again", 300, () -> allPromoted(lab));
                awaitRows(lab, 300);
                // a full outage, every node powered back at once
                lab.powerOffAll();
                long on = System.currentTimeMillis();
                for (int i = 0; i < lab.size(); i++) {
                    lab.power(i, "on");
                }
                await("writable after a full outage", 600, () -> firstAckAfter(lab, on) > 0);
                m.get(OUTAGE + "power on -> writable through the VIP").add(firstAckAfter(lab, on) - on);
                long promoted = firstLogged(lab, "Result of promote operation for galera on n\\d: ok", on);
                if (promoted < Long.MAX_VALUE) {
                    m.get(OUTAGE + "bootstrap node Promoted").add(promoted - on);
                }
                await("every node Promoted after a full outage", 300, () -> allPromoted(lab));
                awaitRows(lab, 300);
                lost += ClusterBench.lost(lab);
                System.err.printf("pacemaker cluster trial %d: holder cut %d ms, full outage %d ms%n", t + 1,
                        gap[1] - off, firstAckAfter(lab, on) - on);
            }
            stuck = oneMissing(lab, missing);
            awaitRows(lab, 300);
            lost += ClusterBench.lost(lab);
            lab.stopWriter();
            rows = lab.acknowledged().size();
        } finally {
            for (int i = 1; i <= 3; i++) {
                Pacemaker.keepLog(dir.resolve("n" + i), "palisade-clusterpmbench-n" + i);
            }
            dev.palisade.drivers.testing.Scratch.deleteTree(dir);
        }
        for (Map.Entry<String, List<Long>> e : m.entrySet()) {
            List<Long> v = new ArrayList<>(e.getValue());
            if (v.isEmpty()) {
                continue;
            }
            v.sort(Long::compare);
            System.out.printf("| %s (%d trials) | %d ms | %d ms | %d ms |%n", e.getKey(), trials, PairBench.median(v),
                    v.get(v.size() - 1), v.get(0));
        }
        System.out.println();
        System.out.println(stuck);
        System.out.printf("%nPacemaker: %d acknowledged rows written through the VIP; acknowledged rows missing on any "
                + "node after a trial: %d.%n", rows, lost);
    }

    /**
     * A full outage with n3 left off for {@code seconds}: whether anything became writable, what the agent logged
     * on n1, what crm_mon showed; then n3 powered on and the time from that to writable.
     */
    private static String oneMissing(ClusterLab lab, int seconds) throws Exception {
        lab.powerOffAll();
        long on = System.currentTimeMillis();
        lab.power(0, "on");
        lab.power(1, "on");
        boolean writable = ClusterLab.await(java.time.Duration.ofSeconds(seconds), () -> firstAckAfter(lab, on) > 0);
        long waited = System.currentTimeMillis() - on;
        String mon = crmMon(lab).lines().filter(l -> l.matches(".*(Node|Online|OFFLINE|Promoted|Unpromoted|Started"
                + "|Stopped|vip).*")).map(String::strip).reduce((a, b) -> a + "; " + b).orElse("(no answer)");
        int waits = logged(lab, 0, "Waiting on node <n3> to report", on).size();
        boolean fenced = !logged(lab, 0, "Operation 'off' targeting n3 .*: OK", on).isEmpty()
                || !logged(lab, 1, "Operation 'off' targeting n3 .*: OK", on).isEmpty();
        long back = System.currentTimeMillis();
        lab.power(2, "on");
        await("writable once n3 is back", 600, () -> firstAckAfter(lab, on) > 0);
        long after = firstAckAfter(lab, on) - back;
        await("every node Promoted once n3 is back", 300, () -> allPromoted(lab));
        return ("Pacemaker galera agent, full outage with n3 left off: %s within %d s of powering on n1 and n2"
                + " (n1's agent logged \"Waiting on node <n3> to report database status\" %d times; n3 fenced by"
                + " Pacemaker at startup: %s; crm_mon at the end: %s). n3 powered on after %d s: writable %d ms"
                + " later.").formatted(writable ? "WRITABLE" : "not writable", waited / 1000, waits,
                fenced ? "yes" : "not logged", mon, (back - on) / 1000, after);
    }

    private static final String DEFAULTS = "  <nvpair id=\"rsc-options-stickiness\" name=\"resource-stickiness\""
            + " value=\"100\"/>\n";

    private static final String CONSTRAINTS = """
              <rsc_location id="l-fence_n1" rsc="fence_n1" node="n1" score="-INFINITY"/>
              <rsc_location id="l-fence_n2" rsc="fence_n2" node="n2" score="-INFINITY"/>
              <rsc_location id="l-fence_n3" rsc="fence_n3" node="n3" score="-INFINITY"/>
              <rsc_colocation id="vip-with-promoted" rsc="vip" with-rsc="galera-clone" with-rsc-role="Promoted"
                  score="INFINITY"/>
              <rsc_order id="promote-then-vip" first="galera-clone" first-action="promote" then="vip"
                  then-action="start"/>
            """;

    private static String resources() {
        StringBuilder res = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            res.append(Pacemaker.fenceIpmilan("n" + (i + 1), ClusterLab.OBSERVER, 6241 + i));
        }
        return res.append("""
                  <clone id="galera-clone">
                    <meta_attributes id="galera-clone-meta">
                      <nvpair id="gc-promotable" name="promotable" value="true"/>
                      <nvpair id="gc-promoted-max" name="promoted-max" value="3"/>
                      <nvpair id="gc-promoted-node-max" name="promoted-node-max" value="1"/>
                      <nvpair id="gc-clone-max" name="clone-max" value="3"/>
                    </meta_attributes>
                    <primitive id="galera" class="ocf" provider="heartbeat" type="galera">
                      <instance_attributes id="galera-ia">
                        <nvpair id="g-bin" name="binary" value="/usr/sbin/mariadbd"/>
                        <nvpair id="g-cbin" name="client_binary" value="/usr/bin/mariadb"/>
                        <nvpair id="g-cnf" name="config" value="/etc/corosync/galera.cnf"/>
                        <nvpair id="g-dd" name="datadir" value="/var/lib/mysql"/>
                        <nvpair id="g-user" name="user" value="mysql"/>
                        <nvpair id="g-group" name="group" value="mysql"/>
                        <nvpair id="g-pid" name="pid" value="/run/mysqld/mysqld.pid"/>
                        <nvpair id="g-sock" name="socket" value="/run/mysqld/mysqld.sock"/>
                        <nvpair id="g-log" name="log" value="/var/lib/corosync/mariadb.log"/>
                        <nvpair id="g-addr" name="wsrep_cluster_address" value="gcomm://10.88.0.1,10.88.0.2,10.88.0.3"/>
                        <nvpair id="g-map" name="cluster_host_map" value="n1:10.88.0.1;n2:10.88.0.2;n3:10.88.0.3"/>
                        <nvpair id="g-check" name="check_user" value="root"/>
                      </instance_attributes>
                      <operations>
                        <op id="g-start" name="start" interval="0" timeout="120s"/>
                        <op id="g-stop" name="stop" interval="0" timeout="120s"/>
                        <op id="g-promote" name="promote" interval="0" timeout="300s"/>
                        <op id="g-demote" name="demote" interval="0" timeout="120s"/>
                        <op id="g-mon-p" name="monitor" role="Promoted" interval="2s" timeout="30s"/>
                        <op id="g-mon-u" name="monitor" role="Unpromoted" interval="3s" timeout="30s"/>
                      </operations>
                    </primitive>
                  </clone>
                  <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
                    <instance_attributes id="vip-ia">
                      <nvpair id="vip-ip" name="ip" value="%s"/>
                      <nvpair id="vip-mask" name="cidr_netmask" value="24"/>
                      <nvpair id="vip-nic" name="nic" value="eth0"/>
                    </instance_attributes>
                    <operations>
                      <op id="vip-start" name="start" interval="0" timeout="20s"/>
                      <op id="vip-stop" name="stop" interval="0" timeout="20s"/>
                      <op id="vip-mon" name="monitor" interval="1s" timeout="10s"/>
                    </operations>
                  </primitive>
                """.formatted(ClusterLab.VIP)).toString();
    }

    /** When a line matching {@code regex} was first logged by any node's Pacemaker at or after {@code from}. */
    private static long firstLogged(ClusterLab lab, String regex, long from) throws Exception {
        long first = Long.MAX_VALUE;
        for (int i = 0; i < lab.size(); i++) {
            for (long t : logged(lab, i, regex, from)) {
                first = Math.min(first, t);
            }
        }
        return first;
    }

    /**
     * When node {@code i}'s Pacemaker log (its daemons' lines "Dec 06 02:25:36.874 n1 ...", the agents' lines
     * "Dec 06 02:25:36  galera(...)") has a line matching {@code regex} at or after {@code from} (epoch ms).
     */
    private static List<Long> logged(ClusterLab lab, int i, String regex, long from) throws Exception {
        String year = String.valueOf(LocalDate.now().getYear());
        List<Long> at = new ArrayList<>();
        for (String l : Files.readAllLines(lab.dir.resolve("n" + (i + 1) + "/log-pcmk/pacemaker.log"))) {
            if (l.length() > 19 && l.matches(".*" + regex + ".*")) {
                String stamp = l.charAt(15) == '.' ? l.substring(0, 19) : l.substring(0, 15) + ".999";
                long t = LocalDateTime.parse(year + " " + stamp, LOG_TIME).atZone(ZoneId.systemDefault()).toInstant()
                        .toEpochMilli();
                if (t >= from) {
                    at.add(t);
                }
            }
        }
        return at;
    }

    /** Galera Promoted on all three nodes and the VIP up on exactly one. */
    private static boolean allPromoted(ClusterLab lab) throws Exception {
        return crmMon(lab).contains("Promoted: [ n1 n2 n3 ]") && lab.vipHolder() >= 0;
    }

    /** crm_mon from the first node that answers. */
    private static String crmMon(ClusterLab lab) throws Exception {
        for (int i = 0; i < lab.size(); i++) {
            int n = i;
            String out = Pacemaker.crmMon(c -> lab.inNode(n, 30_000, c));
            if (!out.isEmpty()) {
                return out;
            }
        }
        return "";
    }

    /** Node {@code n}'s server settings, the lab's Galera settings (as Palisade's galera resource gives them). */
    private static final class GaleraCnf {
        static String of(int n) {
            return """
                    [mysqld]
                    port = 3306
                    bind-address = 0.0.0.0
                    skip-name-resolve
                    max_connections = 50
                    performance_schema = OFF
                    innodb_buffer_pool_size = 32M
                    innodb_log_file_size = 16M
                    binlog_format = ROW
                    default_storage_engine = InnoDB
                    innodb_autoinc_lock_mode = 2
                    wsrep_on = ON
                    wsrep_provider = /usr/lib/galera/libgalera_smm.so
                    wsrep_cluster_name = cllab
                    # the agent passes its own address when it starts the server; rsync SST refuses to run
                    # --wsrep-recover without one here
                    wsrep_cluster_address = gcomm://10.88.0.1,10.88.0.2,10.88.0.3
                    wsrep_node_address = 10.88.0.%1$d
                    wsrep_node_name = n%1$d
                    wsrep_sst_method = rsync
                    wsrep_provider_options = "gcache.size=32M;%2$s"
                    """.formatted(n, ClusterLab.Timing.FAST.evs());
        }
    }
}
