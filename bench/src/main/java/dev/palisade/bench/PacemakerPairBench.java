package dev.palisade.bench;

import static dev.palisade.bench.Pacemaker.await;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.CorosyncRing;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.supervisor.pair.PairLab;
import dev.palisade.supervisor.vrrp.VrrpLan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

/**
 * The pair's modern anchor for {@link PairBench}: Pacemaker 2.1 with Corosync 3 running the same group on the same
 * lab ({@link PairLab#createBare}: the namespaces, the ext4 image with MariaDB's data directory, the VIP, the
 * application writing rows through it, each node powered by its own ipmi_sim at 10.98.0.4 / .5). Each node runs
 * corosync (knet, both the crossover and the LAN link, {@code two_node: 1}) and pacemakerd in its own PID, mount
 * and UTS namespace; the group is ocf:heartbeat:Filesystem (loop), ocf:heartbeat:mysql, ocf:heartbeat:IPaddr2;
 * stonith is fence_ipmilan (lanplus, cipher suite 3) per node with {@code stonith-action=off}.
 *
 * <p>Tuned as an expert would for a quick failover, and stated in the output: token {@code TOKEN} ms (consensus
 * 1.2 x), monitors every 2 s (filesystem, database) and 1 s (VIP), resource-stickiness 100, no fencing delay (a
 * two-node race is settled by fence_ipmilan's own timing; Pacemaker 2.1 counts delays in whole seconds).
 * Trials: cut the active node's power; power it back; {@code crm_resource --move} the group back.
 *
 * <p>{@code PacemakerPairBench TRIALS TOKEN_MS}
 */
public final class PacemakerPairBench {
    private static final String[] NAMES = {"pm1", "pm2"};

    private PacemakerPairBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        int token = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory("palisade-pmpairbench");
        List<Long> takeover = new ArrayList<>();
        List<Long> switchover = new ArrayList<>();
        long lost = 0;
        long rows;
        try (PairLab lab = PairLab.createBare(dir)) {
            VrrpLan.ip("-n", lab.obs, "addr", "add", "10.98.0.4/24", "dev", "eth0");
            VrrpLan.ip("-n", lab.obs, "addr", "add", "10.98.0.5/24", "dev", "eth0");
            Path mnt = Files.createDirectories(dir.resolve("pmmnt"));
            Path authkey = dir.resolve("authkey");
            Files.write(authkey, java.security.SecureRandom.getInstanceStrong().generateSeed(256));
            Files.writeString(dir.resolve("my.cnf"), """
                    [mysqld]
                    port = 3306
                    bind-address = 0.0.0.0
                    skip-name-resolve
                    innodb_buffer_pool_size = 32M
                    innodb_flush_log_at_trx_commit = 1
                    """);
            Files.setPosixFilePermissions(dir.resolve("my.cnf"), PosixFilePermissions.fromString("rw-r--r--"));
            for (int i = 0; i < 2; i++) {
                Path d = node(dir, i, authkey, token);
                List<String> host = List.of("ip", "netns", "exec", lab.ns[i], "unshare", "--pid", "--fork",
                        "--kill-child", "--mount-proc", "--uts", "--mount", "--propagation", "private", "bash", "-c", """
                                hostname %1$s
                                mount -t tmpfs -o mode=755 tmpfs /run
                                mount -t tmpfs -o mode=1777 tmpfs /dev/shm
                                mkdir -p /run/mysqld; chown mysql:mysql /run/mysqld
                                mount --bind %2$s/etc-corosync /etc/corosync
                                mount --bind %2$s/lib-corosync /var/lib/corosync
                                mount --bind %2$s/log /var/log/corosync
                                corosync -f &
                                for i in $(seq 200); do corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 && break; sleep 0.05; done
                                %3$s
                                trap '' TERM INT HUP
                                while :; do wait; sleep 1; done
                                """.formatted(NAMES[i], d, Pacemaker.start(d)));
                lab.bmc[i] = IpmiSim.startOff(lab.obs, "10.98.0." + (4 + i), 623, host);
                lab.powerHooks(i);
            }
            lab.power(0, "on");
            lab.power(1, "on");
            await("both nodes online", 120, () -> crmMon(lab, 0).contains("Online: [ pm1 pm2 ]"));
            loadConfiguration(lab, dir, mnt);
            await("the group on pm1", 180, () -> groupOn(lab, 0, 0));
            lab.startWriter();
            awaitRows(lab, 300, 120);
            int active = 0;
            for (int t = 0; t < trials; t++) {
                awaitRows(lab, 300, 60);
                long cut = System.currentTimeMillis();
                lab.power(active, "off");
                long off = PairBench.hostStopped(lab.bmc[active].hostLog());
                int survivor = 1 - active;
                await("takeover by " + NAMES[survivor], 180, () -> groupOn(lab, survivor, survivor));
                awaitRows(lab, 300, 120);
                long[] gap = PairLab.largestGapAfter(lab.acknowledged(), cut);
                takeover.add(gap[1] - off);
                lost += lost(lab, survivor);
                lab.power(active, "on");
                int back = active;
                await(NAMES[back] + " online again", 180, () -> crmMon(lab, survivor).contains("Online: [ pm1 pm2 ]"));
                await("idle", 120, () -> !crmMon(lab, survivor).matches("(?s).*(Starting|Stopping|Probing|pending).*"));
                awaitRows(lab, 300, 60);
                long asked = System.currentTimeMillis();
                inNode(lab, survivor, "crm_resource", "--move", "--resource", "grp", "--node", NAMES[back]);
                await("switchover to " + NAMES[back], 180, () -> groupOn(lab, back, back));
                inNode(lab, back, "crm_resource", "--clear", "--resource", "grp");
                awaitRows(lab, 300, 120);
                long[] sw = PairLab.largestGapAfter(lab.acknowledged(), asked);
                switchover.add(sw[1] - sw[0]);
                lost += lost(lab, back);
                System.err.printf("pacemaker trial %d: takeover %d ms, switchover %d ms%n", t + 1, gap[1] - off,
                        sw[1] - sw[0]);
            }
            lab.stopWriter();
            rows = lab.acknowledged().size();
        } finally {
            for (int i = 0; i < 2; i++) {
                Path log = dir.resolve(NAMES[i]).resolve("log-pcmk/pacemaker.log");
                if (Files.exists(log)) {
                    Files.copy(log, Path.of("/tmp/palisade-pmpairbench-" + NAMES[i] + ".log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            dev.palisade.drivers.testing.Scratch.deleteTree(dir);
        }
        takeover.sort(Long::compare);
        switchover.sort(Long::compare);
        System.out.printf("| Pacemaker 2.1 + Corosync 3, token %d ms (%d trials): power off -> writable | %d ms | %d ms "
                + "| %d ms |%n", token, trials, PairBench.median(takeover), takeover.get(takeover.size() - 1),
                takeover.get(0));
        System.out.printf("| Pacemaker 2.1 switchover downtime (crm_resource --move) | %d ms | %d ms | %d ms |%n",
                PairBench.median(switchover), switchover.get(switchover.size() - 1), switchover.get(0));
        System.out.printf("%nPacemaker: %d acknowledged rows, %d missing after a takeover or switchover.%n", rows, lost);
    }

    private static Path node(Path dir, int i, Path authkey, int token) throws Exception {
        Path d = dir.resolve(NAMES[i]);
        for (String sub : List.of("etc-corosync", "lib-corosync", "log")) {
            Files.createDirectories(d.resolve(sub));
        }
        Pacemaker.stateDirs(d);
        Files.copy(authkey, d.resolve("etc-corosync/authkey"));
        Files.setPosixFilePermissions(d.resolve("etc-corosync/authkey"), PosixFilePermissions.fromString("r--------"));
        // two links (the crossover and the LAN, as the Palisade pair has), two_node quorum
        String conf = CorosyncRing.conf("pmlab", List.of("10.97.0.1", "10.97.0.2"), token,
                "/var/log/corosync/corosync.log", "/etc/corosync/authkey", "\ttwo_node: 1\n")
                .replace("\t\tring0_addr: 10.97.0.1\n", "\t\tring0_addr: 10.97.0.1\n\t\tring1_addr: 10.98.0.1\n")
                .replace("\t\tring0_addr: 10.97.0.2\n", "\t\tring0_addr: 10.97.0.2\n\t\tring1_addr: 10.98.0.2\n")
                .replace("\tname: n1\n", "\tname: pm1\n").replace("\tname: n2\n", "\tname: pm2\n")
                .replace("\ttoken_coefficient: 0\n", "\ttoken_coefficient: 0\n\tlink_mode: passive\n");
        Files.writeString(d.resolve("etc-corosync/corosync.conf"), conf);
        return d;
    }

    private static void loadConfiguration(PairLab lab, Path dir, Path mnt) throws Exception {
        StringBuilder res = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            res.append(Pacemaker.fenceIpmilan(NAMES[i], "10.98.0." + (4 + i), 623));
        }
        res.append("""
                  <group id="grp">
                    <primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem">
                      <instance_attributes id="fs-ia">
                        <nvpair id="fs-dev" name="device" value="%1$s"/>
                        <nvpair id="fs-dir" name="directory" value="%2$s"/>
                        <nvpair id="fs-type" name="fstype" value="ext4"/>
                        <nvpair id="fs-opt" name="options" value="loop"/>
                      </instance_attributes>
                      <operations>
                        <op id="fs-start" name="start" interval="0" timeout="60s"/>
                        <op id="fs-stop" name="stop" interval="0" timeout="60s"/>
                        <op id="fs-mon" name="monitor" interval="2s" timeout="20s"/>
                      </operations>
                    </primitive>
                    <primitive id="db" class="ocf" provider="heartbeat" type="mysql">
                      <instance_attributes id="db-ia">
                        <nvpair id="db-bin" name="binary" value="/usr/sbin/mariadbd"/>
                        <nvpair id="db-cbin" name="client_binary" value="/usr/bin/mariadb"/>
                        <nvpair id="db-cnf" name="config" value="%3$s"/>
                        <nvpair id="db-dd" name="datadir" value="%2$s/mysql"/>
                        <nvpair id="db-user" name="user" value="mysql"/>
                        <nvpair id="db-group" name="group" value="mysql"/>
                        <nvpair id="db-pid" name="pid" value="/run/mysqld/mysqld.pid"/>
                        <nvpair id="db-sock" name="socket" value="/run/mysqld/mysqld.sock"/>
                        <nvpair id="db-log" name="log" value="/var/log/corosync/mariadb.log"/>
                        <nvpair id="db-tt" name="test_table" value="mysql.user"/>
                        <nvpair id="db-tu" name="test_user" value="root"/>
                      </instance_attributes>
                      <operations>
                        <op id="db-start" name="start" interval="0" timeout="120s"/>
                        <op id="db-stop" name="stop" interval="0" timeout="60s"/>
                        <op id="db-mon" name="monitor" interval="2s" timeout="15s"/>
                      </operations>
                    </primitive>
                    <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
                      <instance_attributes id="vip-ia">
                        <nvpair id="vip-ip" name="ip" value="%4$s"/>
                        <nvpair id="vip-mask" name="cidr_netmask" value="24"/>
                        <nvpair id="vip-nic" name="nic" value="eth0"/>
                      </instance_attributes>
                      <operations>
                        <op id="vip-start" name="start" interval="0" timeout="20s"/>
                        <op id="vip-stop" name="stop" interval="0" timeout="20s"/>
                        <op id="vip-mon" name="monitor" interval="1s" timeout="10s"/>
                      </operations>
                    </primitive>
                  </group>
                """.formatted(dir.resolve("data.img"), mnt, dir.resolve("my.cnf"), PairLab.VIP));
        Pacemaker.configure(n -> inNode(lab, 0, n), dir,
                "  <nvpair id=\"rsc-options-stickiness\" name=\"resource-stickiness\" value=\"100\"/>\n",
                res.toString(), """
                          <rsc_location id="l-fence_pm1" rsc="fence_pm1" node="pm1" score="-INFINITY"/>
                          <rsc_location id="l-fence_pm2" rsc="fence_pm2" node="pm2" score="-INFINITY"/>
                          <rsc_location id="l-grp-home" rsc="grp" node="pm1" score="50"/>
                        """);
    }

    private static boolean groupOn(PairLab lab, int viewer, int node) throws Exception {
        String out = crmMon(lab, viewer);
        for (String r : List.of("fs", "db", "vip")) {
            if (!out.matches("(?s).*\\* " + r + "\\s.*Started " + NAMES[node] + ".*")) {
                return false;
            }
        }
        return true;
    }

    private static String crmMon(PairLab lab, int i) throws Exception {
        return Pacemaker.crmMon(c -> inNode(lab, i, c));
    }

    /** Runs a command in node {@code i}'s network, mount, UTS and PID namespaces (those of its corosync). */
    private static Commands.Result inNode(PairLab lab, int i, String... cmd) throws Exception {
        String pids = Commands.run(5000, "ip", "netns", "pids", lab.ns[i]).stdout();
        String corosync = null;
        for (String p : pids.split("\\s+")) {
            if (!p.isBlank() && Files.exists(Path.of("/proc", p, "comm"))
                    && Files.readString(Path.of("/proc", p, "comm")).strip().equals("corosync")) {
                corosync = p;
                break;
            }
        }
        if (corosync == null) {
            return new Commands.Result(1, "", NAMES[i] + " is off");
        }
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", corosync, "-m", "-n", "-u", "-p"));
        c.addAll(List.of(cmd));
        return Commands.run(60_000, c);
    }

    private static long lost(PairLab lab, int node) throws Exception {
        NavigableMap<Long, Long> acks = lab.acknowledged();
        Commands.Result r = inNode(lab, node, "/usr/bin/mariadb", "--no-defaults", "--socket=/run/mysqld/mysqld.sock",
                "--user=root", "--batch", "--skip-column-names", "-e", "SELECT n FROM app.ledger");
        Set<Long> rows = PairLab.rowNumbers(r.stdout());
        if (rows.isEmpty()) {
            throw new IllegalStateException("cannot read the rows on " + NAMES[node] + ": " + r);
        }
        return acks.keySet().stream().filter(n -> !rows.contains(n)).count();
    }

    private static void awaitRows(PairLab lab, int more, int seconds) throws Exception {
        int base = lab.acknowledged().size();
        await("the writer past " + (base + more) + " rows", seconds, () -> lab.acknowledged().size() >= base + more);
    }
}
