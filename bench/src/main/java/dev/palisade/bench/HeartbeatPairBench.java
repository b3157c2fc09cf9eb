package dev.palisade.bench;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.pair.PairLab;
import dev.palisade.supervisor.vrrp.VrrpLan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

/**
 * The anchor for {@link PairBench}: real Heartbeat 3.0.6 (haresources: Filesystem on the same ext4 image, the
 * stock OCF mysql agent on the same MariaDB data directory, IPaddr2 for the same VIP; STONITH through
 * cluster-glue's external/ipmi plugin and the stock ipmitool) on the same lab: the same namespaces, serial
 * cable and UDP link, each node powered by its own ipmi_sim (here on port 623 at 10.98.0.4 and .5), the same
 * application writing rows through the VIP. Each node runs in its own PID, mount and UTS namespace, so a power
 * cut takes everything of it. Trials: cut the active node's power; power it back; hb_standby on the survivor
 * hands the group back. Prints a markdown table.
 *
 * <p>{@code HeartbeatPairBench TRIALS KEEPALIVE_S DEADTIME_S}
 */
public final class HeartbeatPairBench {
    private static final String[] NAMES = {"nodea", "nodeb"};

    private HeartbeatPairBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        String keepalive = args[1];
        String deadtime = args[2];
        Path dir = Files.createTempDirectory("palisade-hbpairbench");
        List<Long> takeover = new ArrayList<>();
        List<Long> switchover = new ArrayList<>();
        long lost = 0;
        long rows;
        try (PairLab lab = PairLab.createBare(dir)) {
            VrrpLan.ip("-n", lab.obs, "addr", "add", "10.98.0.4/24", "dev", "eth0");
            VrrpLan.ip("-n", lab.obs, "addr", "add", "10.98.0.5/24", "dev", "eth0");
            Path mnt = Files.createDirectories(dir.resolve("hbmnt"));
            String authkeys = "auth 2\n2 sha1 " + Long.toHexString(System.nanoTime()) + "palisadebench\n";
            for (int i = 0; i < 2; i++) {
                Path d = node(dir, i, mnt, authkeys, keepalive, deadtime);
                List<String> host = List.of("ip", "netns", "exec", lab.ns[i], "unshare", "--pid", "--fork",
                        "--mount-proc", "--uts", "--mount", "--propagation", "private", "bash", "-c", """
                                hostname %1$s
                                mount -t tmpfs tmpfs /run
                                # what systemd-tmpfiles makes in /run at boot (heartbeat, resource-agents, mariadb)
                                mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/lock /run/crm /run/mysqld /run/resource-agents
                                chmod 1755 /run/resource-agents
                                chown -R hacluster:haclient /run/heartbeat /run/crm; chown mysql:mysql /run/mysqld; chmod 1777 /run/lock
                                mount --bind %2$s/etc /etc/ha.d
                                mount --bind %2$s/lib /var/lib/heartbeat
                                # Debian's heartbeat 3.0.6 OCF wrapper looks for agents one directory too deep
                                # (resource.d/heartbeat/*/TYPE): an overlay in this node's mount namespace only
                                mkdir -p /run/ocfshim/u/ocf /run/ocfshim/w
                                ln -s /usr/lib/ocf/resource.d/heartbeat/mysql /run/ocfshim/u/ocf/mysql
                                mount -t overlay overlay -o lowerdir=/usr/lib/ocf/resource.d/heartbeat,upperdir=/run/ocfshim/u,workdir=/run/ocfshim/w /usr/lib/ocf/resource.d/heartbeat
                                # ipmi_sim lacks Get Channel Cipher Suites, so a plain ipmitool waits 10 s for it
                                # before using suite 3 (a real BMC answers at once): pin suite 3 for the plugin
                                cp /usr/bin/ipmitool /run/ipmitool.real
                                printf '#!/bin/sh\nexec /run/ipmitool.real -C 3 "$@"\n' > /run/ipmitool.c3
                                chmod 755 /run/ipmitool.c3
                                mount --bind /run/ipmitool.c3 /usr/bin/ipmitool
                                /usr/libexec/heartbeat/heartbeat
                                exec sleep infinity
                                """.formatted(NAMES[i], d));
                lab.bmc[i] = IpmiSim.startOff(lab.obs, "10.98.0." + (4 + i), 623, host);
                lab.powerHooks(i);
            }
            lab.power(0, "on");
            lab.power(1, "on");
            lab.startWriter();
            awaitRows(lab, 300, 120);
            int active = 0;
            for (int t = 0; t < trials; t++) {
                awaitRows(lab, 300, 60);
                long cut = System.currentTimeMillis();
                lab.power(active, "off");
                long off = PairBench.hostStopped(lab.bmc[active].hostLog());
                awaitRows(lab, 300, 120);
                long[] gap = PairLab.largestGapAfter(lab.acknowledged(), cut);
                takeover.add(gap[1] - off);
                int survivor = 1 - active;
                lost += lost(lab, dir, survivor);
                lab.power(active, "on");
                Thread.sleep(15_000); // initdead 10 s, then the node joins as standby (auto_failback off)
                awaitRows(lab, 300, 60);
                long asked = System.currentTimeMillis();
                Commands.Result r = inNode(lab, survivor, "/usr/share/heartbeat/hb_standby", "all");
                if (r.exit() != 0) {
                    throw new IllegalStateException("hb_standby: " + r);
                }
                awaitGapThenRows(lab, asked);
                long[] sw = PairLab.largestGapAfter(lab.acknowledged(), asked);
                switchover.add(sw[1] - sw[0]);
                lost += lost(lab, dir, active);
                System.err.printf("heartbeat trial %d: takeover %d ms, switchover %d ms (writes stopped %tT.%<tL, "
                                + "resumed %tT.%<tL)%n", t + 1, gap[1] - off, sw[1] - sw[0], new java.util.Date(sw[0]),
                        new java.util.Date(sw[1]));
            }
            lab.stopWriter();
            rows = lab.acknowledged().size();
            for (int i = 0; i < 2; i++) {
                Files.writeString(Path.of("/tmp/palisade-hbpairbench-" + NAMES[i] + ".bmc"), lab.bmc[i].hostLog());
            }
        } finally {
            if (Files.exists(dir.resolve("writer.log"))) {
                Files.copy(dir.resolve("writer.log"), Path.of("/tmp/palisade-hbpairbench-writer.log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            for (int i = 0; i < 2; i++) {
                Path log = dir.resolve("hb" + i).resolve("log/ha.log");
                if (Files.exists(log)) {
                    Files.copy(log, Path.of("/tmp/palisade-hbpairbench-" + NAMES[i] + ".log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        takeover.sort(Long::compare);
        switchover.sort(Long::compare);
        System.out.printf("| Heartbeat 3.0.6, keepalive %s s / deadtime %s s (%d trials) | %d ms | %d ms | %d ms |%n",
                keepalive, deadtime, trials, PairBench.median(takeover), takeover.get(takeover.size() - 1),
                takeover.get(0));
        System.out.printf("| Heartbeat 3.0.6 switchover downtime (hb_standby) | %d ms | %d ms | %d ms |%n",
                PairBench.median(switchover), switchover.get(switchover.size() - 1), switchover.get(0));
        System.out.printf("%nHeartbeat: %d acknowledged rows, %d missing after a takeover or switchover.%n", rows, lost);
    }

    private static Path node(Path dir, int i, Path mnt, String authkeys, String keepalive, String deadtime)
            throws Exception {
        Path d = dir.resolve("hb" + i);
        Files.createDirectories(d.resolve("log"));
        Commands.run(30_000, "cp", "-a", "/etc/ha.d", d.resolve("etc").toString());
        Commands.run(30_000, "cp", "-a", "/var/lib/heartbeat", d.resolve("lib").toString());
        Files.writeString(d.resolve("etc/ha.cf"), """
                logfile %1$s/log/ha.log
                logfacility none
                use_logd no
                udpport 694
                keepalive %2$s
                deadtime %3$s
                warntime %2$s
                initdead 10
                baud 19200
                serial %4$s
                ucast eth1 10.97.0.1
                ucast eth1 10.97.0.2
                auto_failback off
                realtime off
                stonith_host %7$s external/ipmi %8$s %9$s %5$s %6$s lanplus
                node nodea
                node nodeb
                """.formatted(d, keepalive, deadtime, dir.resolve(i == 0 ? "ttyA" : "ttyB"), IpmiSim.USER,
                IpmiSim.PASSWORD, NAMES[i], NAMES[1 - i], "10.98.0." + (5 - i)));
        Files.writeString(d.resolve("etc/haresources"), "nodea Filesystem::" + dir.resolve("data.img") + "::" + mnt
                + "::ext4::loop OCF::mysql::db IPaddr2::" + PairLab.VIP + "/24/eth0\n");
        Fixtures.write(d.resolve("etc/authkeys"), authkeys); // mode 0600, as Heartbeat demands
        Files.writeString(d.resolve("my.cnf"), """
                [mysqld]
                port = 3306
                bind-address = 0.0.0.0
                skip-name-resolve
                innodb_buffer_pool_size = 32M
                innodb_flush_log_at_trx_commit = 1
                """);
        Files.createDirectories(d.resolve("etc/conf/OCF/mysql"));
        Files.writeString(d.resolve("etc/conf/OCF/mysql/db"), """
                OCF_RESKEY_binary=/usr/sbin/mariadbd
                OCF_RESKEY_client_binary=/usr/bin/mariadb
                OCF_RESKEY_config=%1$s/my.cnf
                OCF_RESKEY_datadir=%2$s/mysql
                OCF_RESKEY_user=mysql
                OCF_RESKEY_group=mysql
                OCF_RESKEY_pid=/run/mysqld/mysqld.pid
                OCF_RESKEY_socket=/run/mysqld/mysqld.sock
                OCF_RESKEY_log=/run/mysqld/error.log
                OCF_RESKEY_test_table=mysql.user
                OCF_RESKEY_test_user=root
                """.formatted(d, mnt));
        return d;
    }

    /** Runs a command inside a node's namespaces (network, mount, UTS of its heartbeat). */
    private static Commands.Result inNode(PairLab lab, int i, String... cmd) throws Exception {
        String pids = Commands.run(5000, "ip", "netns", "pids", lab.ns[i]).stdout();
        String hb = null;
        for (String p : pids.split("\\s+")) {
            if (!p.isBlank() && Files.exists(Path.of("/proc", p, "comm"))
                    && Files.readString(Path.of("/proc", p, "comm")).strip().equals("heartbeat")) {
                hb = p;
                break;
            }
        }
        if (hb == null) {
            throw new IllegalStateException("no heartbeat runs in " + lab.ns[i]);
        }
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", hb, "-m", "-n", "-u", "-p"));
        c.addAll(List.of(cmd));
        return Commands.run(60_000, c);
    }

    private static long lost(PairLab lab, Path dir, int node) throws Exception {
        NavigableMap<Long, Long> acks = lab.acknowledged();
        Commands.Result r = inNode(lab, node, "/usr/bin/mariadb", "--no-defaults", "--socket=/run/mysqld/mysqld.sock",
                "--user=root", "--batch", "--skip-column-names", "-e", "SELECT n FROM app.ledger");
        Set<Long> rows = PairLab.rowNumbers(r.stdout());
        if (rows.isEmpty()) {
            throw new IllegalStateException("cannot read the rows on " + NAMES[node] + ": " + r);
        }
        return acks.keySet().stream().filter(n -> !rows.contains(n)).count();
    }

    /** Until the writes stopped (a gap of 200 ms or more after {@code from}) and 300 rows came after the gap. */
    private static void awaitGapThenRows(PairLab lab, long from) throws Exception {
        if (!PairLab.await(Duration.ofSeconds(180), () -> {
            try {
                NavigableMap<Long, Long> acks = lab.acknowledged();
                long[] gap = PairLab.largestGapAfter(acks, from);
                return gap[1] - gap[0] >= 200 && acks.values().stream().filter(t -> t >= gap[1]).count() >= 300;
            } catch (java.io.IOException e) {
                return false;
            }
        })) {
            throw new IllegalStateException("the switchover did not complete within 180 s");
        }
    }

    private static void awaitRows(PairLab lab, int more, int seconds) throws Exception {
        int base = lab.acknowledged().size();
        if (!PairLab.await(Duration.ofSeconds(seconds), () -> {
            try {
                return lab.acknowledged().size() >= base + more;
            } catch (java.io.IOException e) {
                return false;
            }
        })) {
            for (int i = 0; i < 2; i++) {
                Files.writeString(Path.of("/tmp/palisade-hbpairbench-" + NAMES[i] + ".bmc"), lab.bmc[i].hostLog());
            }
            throw new IllegalStateException("the writer stopped at " + base + " rows (Heartbeat did not bring the "
                    + "group up; see /tmp/palisade-hbpairbench-node*.log)");
        }
    }

}
