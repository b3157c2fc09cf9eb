package dev.palisade.supervisor.cluster.lab;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.CorosyncRing;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.drivers.testing.Scratch;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.cli.PalisadeProcess;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.pair.PairLab;
import dev.palisade.supervisor.pair.RowWriter;
import dev.palisade.supervisor.resources.MariaDbData;
import dev.palisade.supervisor.vrrp.VrrpLan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Three cluster nodes (or two and a small third host with corosync-qnetd and garbd) on one machine, each as close to
 * a box as it gets here: node {@code i} (n1..n3, 10.88.0.i on a LAN bridge) is powered by its own ipmi_sim (on the
 * observer, 10.88.0.4, port 6240+i), whose chassis control
 * boots it and cuts it. A boot is a new PID, mount and UTS namespace in the node's network namespace, with its own
 * /run, /dev/shm, /etc/corosync, /var/lib/corosync and /var/lib/mysql (the last three bound from the node's
 * directory, so they outlive a power cut like a disk), running corosync (knet, aes256) and {@code palisade
 * supervisor}, which runs mariadbd with galera-4 (rsync SST). A power cut kills the whole PID namespace and takes
 * the node's NIC down. The application writes numbered rows through the VIP (10.88.0.100) from the observer.
 */
public final class ClusterLab implements AutoCloseable {
    public static final String VIP = "10.88.0.100";
    /** The observer's address (the application and the BMCs) and the small third host's (qnetd, garbd). */
    public static final String OBSERVER = "10.88.0.4";
    public static final String ARBITRATOR = "10.88.0.5";
    public final Path dir;
    private final int size;
    private final boolean arbitrator;
    private final String bridge;
    private final String obs;
    private final String arb;
    private final String[] ns;
    public final IpmiSim[] bmc;
    private final Timing timing;
    /** What each node boots after corosync instead of {@code palisade supervisor}, or null. */
    private final NodeProgram program;
    private DaemonProcess writer;
    private DaemonProcess qnetd;
    private DaemonProcess garbd;
    private final AckFile acks;

    /**
     * Corosync's token (ms; token_coefficient 0, so it does not grow with the node count), Galera's failure
     * detection (wsrep_provider_options), VRRP's advert interval.
     */
    public record Timing(int tokenMillis, String evs, String advert) {
        /**
         * For speed (the benchmark, on a machine that is not overloaded): a node is declared dead within about a
         * second. On a 2-core machine shared with other work, such short timers sometimes split a healthy cluster
         * for a moment (a Galera donor then stayed DONOR/DESYNCED after its SST, galera-4 26.4.23).
         */
        public static final Timing FAST = new Timing(400, "evs.keepalive_period=PT0.2S;evs.suspect_timeout=PT1S;"
                + "evs.inactive_timeout=PT2S;evs.inactive_check_period=PT0.25S;evs.install_timeout=PT2S;"
                + "evs.join_retrans_period=PT0.2S", "0.1");
        /** For the tests, which check behaviour, not speed: timers that survive a loaded machine. */
        public static final Timing TEST = new Timing(1000, "evs.keepalive_period=PT1S;evs.suspect_timeout=PT3S;"
                + "evs.inactive_timeout=PT6S;evs.inactive_check_period=PT1S;evs.install_timeout=PT6S;"
                + "evs.join_retrans_period=PT1S", "0.1");
    }

    private ClusterLab(Path dir, Timing timing, int size, boolean arbitrator, NodeProgram program) {
        this.dir = dir;
        this.timing = timing;
        this.program = program;
        this.size = size;
        this.arbitrator = arbitrator;
        this.ns = new String[size];
        this.bmc = new IpmiSim[size];
        String suffix = String.valueOf(ProcessHandle.current().pid());
        this.bridge = "clb" + suffix;
        this.obs = "clo" + suffix;
        this.arb = "cla" + suffix;
        for (int i = 0; i < size; i++) {
            ns[i] = "cln" + (i + 1) + "x" + suffix;
        }
        this.acks = new AckFile(dir.resolve("acks"));
    }

    /** Three nodes: builds the network, the BMCs, the disks and the configurations; every node is off. */
    public static ClusterLab create(Path dir, Timing timing) throws Exception {
        return create(dir, timing, 3, false, null);
    }

    /** The command node {@code i} (0-based) boots after its corosync is up; {@code nodeDir} holds its disks. */
    public interface NodeProgram {
        List<String> command(int i, Path nodeDir);
    }

    /**
     * Three nodes that boot {@code program} after corosync instead of the supervisor (another cluster manager on
     * the same network, BMCs, corosync and MariaDB data directories); the Galera settings are then the program's.
     */
    public static ClusterLab create(Path dir, Timing timing, NodeProgram program) throws Exception {
        return create(dir, timing, 3, false, program);
    }

    /**
     * Two appliances and a small third host (10.88.0.5) running corosync-qnetd (ffsplit, the appliances' corosync
     * with a quorum device) and, once the cluster is up ({@link #startGarbd()}), garbd.
     */
    public static ClusterLab createWithArbitrator(Path dir, Timing timing) throws Exception {
        return create(dir, timing, 2, true, null);
    }

    private static ClusterLab create(Path dir, Timing timing, int size, boolean arbitrator, NodeProgram program)
            throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ClusterLab lab = new ClusterLab(dir, timing, size, arbitrator, program);
        try {
            lab.lan();
            if (arbitrator) {
                lab.startQnetd();
            }
            Path template = dir.resolve("template");
            MariaDbData.install(template);
            Path authkey = dir.resolve("authkey");
            Files.write(authkey, java.security.SecureRandom.getInstanceStrong().generateSeed(256));
            Files.setPosixFilePermissions(authkey, PosixFilePermissions.fromString("r--------"));
            Files.writeString(dir.resolve("boot.sh"), BOOT);
            for (int i = 0; i < size; i++) {
                lab.node(i, template, authkey);
            }
            return lab;
        } catch (Exception | AssertionError e) {
            lab.close();
            throw e;
        }
    }

    /** The LAN bridge: node i at 10.88.0.i, the observer at .4, the third host at .5. */
    private void lan() throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(ns));
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            addresses.add("10.88.0." + (i + 1));
        }
        all.add(obs);
        addresses.add(OBSERVER);
        if (arbitrator) {
            all.add(arb);
            addresses.add(ARBITRATOR);
        }
        for (String n : all) {
            Commands.run(5000, "ip", "netns", "del", n);
        }
        Commands.run(5000, "ip", "netns", "del", bridge);
        VrrpLan.ip("netns", "add", bridge);
        VrrpLan.ip("-n", bridge, "link", "add", "br0", "type", "bridge");
        VrrpLan.ip("-n", bridge, "link", "set", "br0", "up");
        for (int k = 0; k < all.size(); k++) {
            String n = all.get(k);
            VrrpLan.ip("netns", "add", n);
            VrrpLan.ip("-n", n, "link", "set", "lo", "up");
            VrrpLan.ip("link", "add", "eth0", "netns", n, "type", "veth", "peer", "name", "p" + (k + 1), "netns", bridge);
            VrrpLan.ip("-n", bridge, "link", "set", "p" + (k + 1), "master", "br0");
            VrrpLan.ip("-n", bridge, "link", "set", "p" + (k + 1), "up");
            VrrpLan.ip("-n", n, "addr", "add", addresses.get(k) + "/24", "dev", "eth0");
            VrrpLan.ip("-n", n, "link", "set", "eth0", "up");
        }
    }

    /** corosync-qnetd on the third host, in its own mount namespace (its /run), TLS off (a lab network). */
    private void startQnetd() throws IOException {
        qnetd = DaemonProcess.start(List.of("ip", "netns", "exec", arb, "unshare", "--mount", "--propagation",
                "private", "--", "/bin/sh", "-ec", "mount -t tmpfs -o mode=0755 cl-qnetd /run; "
                        + "mkdir -p /run/corosync-qnetd; chown coroqnetd:coroqnetd /run/corosync-qnetd; "
                        + "exec corosync-qnetd -f -s off -l " + ARBITRATOR), dir.resolve("qnetd.log"));
    }

    /** garbd on the third host, joining the running cluster (it holds no data, it only votes). */
    public void startGarbd() throws IOException {
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < size; i++) {
            members.append(i == 0 ? "" : ",").append("10.88.0.").append(i + 1);
        }
        garbd = DaemonProcess.start(List.of("ip", "netns", "exec", arb, "garbd", "--address", "gcomm://" + members,
                "--group", "cllab", "--name", "garbd", "--options", "gmcast.listen_addr=tcp://" + ARBITRATOR
                        + ":4567;" + timing.evs()), dir.resolve("garbd.log"));
    }

    public int size() {
        return size;
    }

    /** A node's boot: PID 1 of its PID namespace; SIGTERM (a soft-off) stops the supervisor first, then corosync. */
    private static final String BOOT = """
            #!/bin/sh
            D=$1; CONF=$2; shift 2
            hostname "$(basename "$D")"
            # copies of /run/netns in this private mount namespace would pin every netns of the machine
            [ "$(findmnt -no PROPAGATION /run/netns 2>/dev/null)" = private ] && umount -R -l /run/netns 2>/dev/null
            mount -t tmpfs -o mode=0755,size=64m cl-run /run
            mkdir -p /run/mysqld /run/lock && chown mysql:mysql /run/mysqld
            mount -t tmpfs -o mode=1777,size=256m cl-shm /dev/shm
            mount --bind "$D/etc-corosync" /etc/corosync
            mount --bind "$D/lib-corosync" /var/lib/corosync
            mount --bind "$D/mysql" /var/lib/mysql
            echo "$(date +%s.%N) boot" >> "$D/boot.log"
            setsid corosync -f >> "$D/corosync.out" 2>&1 &
            C=$!
            i=0; while [ $i -lt 200 ]; do corosync-quorumtool -s >/dev/null 2>&1; [ $? -ne 1 ] && break; sleep 0.05; i=$((i+1)); done
            if grep -q "model: net" /etc/corosync/corosync.conf; then
                mkdir -p /run/corosync-qdevice
                setsid corosync-qdevice -f >> "$D/qdevice.out" 2>&1 &
            fi
            setsid "$@" >> "$D/palisade.log" 2>&1 &
            P=$!
            trap 'kill -TERM $P; wait $P; kill -TERM $C; wait $C; exit 0' TERM
            while :; do wait; sleep 1; done
            """;

    private void node(int i, Path template, Path authkey) throws IOException, InterruptedException {
        String name = "n" + (i + 1);
        Path d = dir.resolve(name);
        for (String sub : List.of("etc-corosync", "lib-corosync", "mysql")) {
            Files.createDirectories(d.resolve(sub));
        }
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(authkey, d.resolve("etc-corosync/authkey"));
        List<String> addresses = new ArrayList<>();
        for (int j = 0; j < size; j++) {
            addresses.add("10.88.0." + (j + 1));
        }
        String device = !arbitrator ? "" : "\tdevice {\n\t\tmodel: net\n\t\tvotes: 1\n\t\tnet {\n\t\t\thost: "
                + ARBITRATOR + "\n\t\t\talgorithm: ffsplit\n\t\t\ttls: off\n\t\t}\n\t}\n";
        Files.writeString(d.resolve("etc-corosync/corosync.conf"), CorosyncRing.conf("cllab", addresses,
                timing.tokenMillis(), d.resolve("corosync.log").toString(), "/etc/corosync/authkey", device));
        check(Commands.run(60_000, "cp", "-a", template + "/.", d.resolve("mysql").toString()));
        StringBuilder fencing = new StringBuilder("fencing {\n  verify_timeout = \"10s\"; poll_interval = \"20ms\";\n");
        for (int j = 0; j < size; j++) {
            if (j != i) {
                fencing.append("  node { name = \"n").append(j + 1).append("\"; level { device { type = \"ipmi\"; host = "
                        + "\"" + OBSERVER + "\"; port = \"").append(6241 + j).append("\"; user = \"").append(IpmiSim.USER)
                        .append("\"; password = \"").append(IpmiSim.PASSWORD)
                        .append("\"; timeout = \"300ms\"; retries = \"3\"; } } }\n");
            }
        }
        fencing.append("}\n");
        String conf = """
                cluster {
                  engine = "corosync";
                  node = "%s";
                  control_socket = "%s";
                  monitor_interval = "500ms";
                  new_cluster_from = "n1";
                %s  resource = "galera::/var/lib/mysql::cluster_address=gcomm://%s::node_address=10.88.0.%d::node_name=%s::cluster_name=cllab::provider_options=gcache.size=32M;%s::socket=/run/mysqld/mysqld.sock::port=3306::bind=0.0.0.0::user=mysql::start_timeout=120::option=innodb_buffer_pool_size=32M::option=innodb_log_file_size=16M::option=performance_schema=OFF::option=skip-name-resolve::option=max_connections=50";
                  resource = "vip::vi_db";
                }
                vrrp {
                  instance { name = "vi_db"; interface = "eth0"; vrid = "51"; version = "3"; priority = "100";
                             advert_int = "%s"; vip = "%s/24"; garp_repeat = "3"; }
                }
                """.formatted(name, d.resolve("control.sock"), memberBlocks(), gcomm(), i + 1, name, timing.evs(),
                        timing.advert(), VIP) + fencing;
        Path confFile = Fixtures.write(dir.resolve(name + ".conf"), conf);
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns[i], "unshare", "--pid", "--fork",
                "--kill-child", "--mount-proc", "--mount", "--uts", "--propagation", "private", "--", "/bin/sh",
                dir.resolve("boot.sh").toString(), d.toString(), confFile.toString()));
        cmd.addAll(program != null ? program.command(i, d)
                : PalisadeProcess.command("supervisor", "-f", confFile.toString()));
        bmc[i] = IpmiSim.startOff(obs, OBSERVER, 6241 + i, cmd);
        // a power cut takes the NIC down (the others lose the node at once, nothing answers for its addresses);
        // power on brings it up without the VIP, as a boot does
        bmc[i].powerHooks("ip -n " + ns[i] + " addr del " + VIP + "/24 dev eth0 2>/dev/null; ip -n " + ns[i]
                + " link set eth0 up", "ip -n " + ns[i] + " link set eth0 down");
    }

    private String memberBlocks() {
        StringBuilder sb = new StringBuilder();
        for (int j = 1; j <= size; j++) {
            sb.append(j == 1 ? "" : "  ").append("member { name = \"n").append(j).append("\"; nodeid = \"").append(j)
                    .append("\"; }\n");
        }
        return sb.toString();
    }

    /** Every node's replication address, and garbd's on the third host. */
    private String gcomm() {
        StringBuilder sb = new StringBuilder();
        for (int j = 1; j <= size; j++) {
            sb.append(j == 1 ? "" : ",").append("10.88.0.").append(j);
        }
        return sb + (arbitrator ? "," + ARBITRATOR : "");
    }

    private static void check(Commands.Result r) {
        if (r.exit() != 0) {
            throw new AssertionError(r.toString());
        }
    }

    // ------------------------------------------------------------------ power and network

    /** Stock ipmitool {@code chassis power OP} against node {@code i}'s BMC (0-based). */
    public Commands.Result power(int i, String op) throws IOException, InterruptedException {
        return bmc[i].power(op);
    }

    /** Cuts the power of every node at once (one thread per BMC). */
    public void powerOffAll() throws Exception {
        List<Thread> t = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int n = i;
            t.add(new Thread(() -> {
                try {
                    power(n, "off");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        t.forEach(Thread::start);
        for (Thread x : t) {
            x.join();
        }
    }

    /** Separates node {@code i} from the other two (its LAN link stays up: the observer still reaches it). */
    public void isolate(int i) throws IOException, InterruptedException {
        routes(i, "add");
    }

    public void heal(int i) throws IOException, InterruptedException {
        routes(i, "del");
    }

    private void routes(int i, String op) throws IOException, InterruptedException {
        for (int j = 0; j < size; j++) {
            if (j != i) {
                VrrpLan.ip("-n", ns[i], "route", op, "blackhole", "10.88.0." + (j + 1) + "/32");
                VrrpLan.ip("-n", ns[j], "route", op, "blackhole", "10.88.0." + (i + 1) + "/32");
            }
        }
    }

    // ------------------------------------------------------------------ inside a node

    /** The host PID of node {@code i}'s PID 1 (its boot script), or -1 when it is off. */
    public long init(int i) throws IOException {
        long host = bmc[i].hostPid(); // the unshare that made the namespaces; its child is their PID 1
        if (host < 0) {
            return -1;
        }
        Path children = Path.of("/proc/" + host + "/task/" + host + "/children");
        String c = Files.exists(children) ? Files.readString(children).trim() : "";
        return c.isEmpty() ? -1 : Long.parseLong(c.split("\\s+")[0]);
    }

    /** Runs {@code cmd} inside node {@code i} (its network, mount, UTS and PID namespaces). */
    public Commands.Result inNode(int i, long timeoutMs, String... cmd) throws IOException, InterruptedException {
        long init = init(i);
        if (init < 0) {
            return new Commands.Result(255, "", "n" + (i + 1) + " is off");
        }
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(init), "-m", "-n", "-u", "-p", "--"));
        c.addAll(List.of(cmd));
        return Commands.run(timeoutMs, c);
    }

    /** The host PID of node {@code i}'s supervisor, or -1. */
    public long supervisorPid(int i) throws IOException {
        long init = init(i);
        if (init < 0) {
            return -1;
        }
        String pidns = Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/pid")).toString();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(pidns)
                            && Files.readString(p.resolve("cmdline")).contains("dev.palisade.supervisor.cli.Palisade")) {
                        return Long.parseLong(p.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // it exited meanwhile
                }
            }
        }
        return -1;
    }

    /**
     * An operator stops node {@code i}'s supervisor ({@code systemctl stop palisade}: SIGTERM): it releases the VIP,
     * stops Galera cleanly and leaves the group; returns once it is gone.
     */
    public void stopSupervisor(int i) throws IOException, InterruptedException {
        long pid = supervisorPid(i);
        if (pid < 0) {
            throw new IOException("no supervisor runs on n" + (i + 1));
        }
        Commands.run(5000, "kill", "-TERM", String.valueOf(pid));
        if (!await(Duration.ofSeconds(120), () -> !dev.palisade.drivers.platform.ProcessRun.running(pid))) {
            throw new IOException("the supervisor of n" + (i + 1) + " did not stop");
        }
    }

    /** SQL as root over node {@code i}'s socket; the output, or null when it failed. */
    public String sql(int i, String statements) throws IOException, InterruptedException {
        Commands.Result r = inNode(i, 30_000, "mariadb", "--no-defaults", "--socket=/run/mysqld/mysqld.sock",
                "--user=root", "--batch", "--skip-column-names", "--connect-timeout=3", "-e", statements);
        return r.exit() == 0 ? r.stdout() : null;
    }

    public Path controlSocket(int i) {
        return dir.resolve("n" + (i + 1)).resolve("control.sock");
    }

    /** {@code palisade ctl COMMAND} against node {@code i}, or "unreachable: ..." */
    public String ctl(int i, String command) {
        try {
            return ControlSocket.ask(controlSocket(i), command, Duration.ofMinutes(3));
        } catch (IOException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    /** The first line of node {@code i}'s status ("node n1: RUNNING Primary Synced ready, holds the VIP"), or OFF. */
    public String state(int i) {
        String s = ctl(i, "status");
        return s.startsWith("unreachable") ? "OFF" : s.lines().findFirst().orElse("?");
    }

    public List<String> states() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(state(i));
        }
        return out;
    }

    /** The node whose NIC is up and carries the VIP (0-based), -1 for none, -2 for more than one. */
    public int vipHolder() throws IOException, InterruptedException {
        int holder = -1;
        for (int i = 0; i < size; i++) {
            String out = Commands.run(5000, "ip", "-n", ns[i], "-4", "addr", "show", "dev", "eth0").stdout();
            if (out.contains("inet " + VIP + "/") && out.matches("(?s)[^\\n]*<[^>]*,UP[,>].*")) {
                holder = holder == -1 ? i : -2;
            }
        }
        return holder;
    }

    public String netns(int i) {
        return ns[i];
    }

    /** Node {@code i}'s supervisor log so far. */
    public String log(int i) throws IOException {
        Path p = dir.resolve("n" + (i + 1)).resolve("palisade.log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    // ------------------------------------------------------------------ the application

    /** The application's user and table, made on node {@code i} (replicated to every node). */
    public void createApp(int i) throws IOException, InterruptedException {
        String r = sql(i, "CREATE DATABASE IF NOT EXISTS app; CREATE USER IF NOT EXISTS '" + MariaDbData.APP_USER
                + "'@'%' IDENTIFIED BY '" + MariaDbData.APP_PASSWORD + "'; GRANT ALL ON app.* TO '"
                + MariaDbData.APP_USER + "'@'%'; CREATE TABLE IF NOT EXISTS app.ledger (n BIGINT PRIMARY KEY,"
                + " at TIMESTAMP(6) DEFAULT NOW(6)) ENGINE=InnoDB;");
        if (r == null) {
            throw new IOException("cannot create the application's table on n" + (i + 1));
        }
    }

    public void startWriter() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", obs,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), RowWriter.class.getName(), VIP, "3306",
                MariaDbData.APP_USER, MariaDbData.APP_PASSWORD, acks.path().toString(),
                dir.resolve("stop-writer").toString()));
        writer = DaemonProcess.start(cmd, dir.resolve("writer.log"));
    }

    public void stopWriter() throws Exception {
        Files.writeString(dir.resolve("stop-writer"), "");
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    /** Rows acknowledged so far: n -> when its commit was confirmed (epoch ms). */
    public NavigableMap<Long, Long> acknowledged() throws IOException {
        return acks.acknowledged();
    }

    /** Every row number in the table, read on node {@code i}; null when the node does not answer. */
    public Set<Long> rowsOn(int i) throws IOException, InterruptedException {
        String out = sql(i, "SELECT n FROM app.ledger");
        return out == null ? null : PairLab.rowNumbers(out);
    }

    /** A condition that may need I/O to tell. */
    public interface Check {
        boolean holds() throws Exception;
    }

    /** Waits until {@code condition} holds, at most {@code max} (scaled); a condition that throws is false. */
    public static boolean await(Duration max, Check condition) {
        long deadline = System.nanoTime() + TestTime.scaled(max).toNanos();
        while (true) {
            try {
                if (condition.holds()) {
                    return true;
                }
            } catch (Exception e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            stopWriter();
        }
        for (int i = 0; i < size; i++) {
            if (bmc[i] != null) {
                bmc[i].close(); // kills the node's namespaces: supervisor, corosync, mariadbd, SST helpers
            }
        }
        for (DaemonProcess d : new DaemonProcess[] {garbd, qnetd}) {
            if (d != null) {
                d.close();
            }
        }
        List<String> all = new ArrayList<>(List.of(ns));
        all.addAll(List.of(obs, arb, bridge));
        for (String n : all) {
            Commands.run(5000, "ip", "netns", "del", n);
        }
    }

    /** Removes the lab's directory unless asked to keep it (-Dpalisade.cluster.keep=true). */
    public static void remove(Path dir) throws IOException {
        if (Boolean.getBoolean("palisade.cluster.keep")) {
            System.out.println("cluster lab kept at " + dir);
            return;
        }
        Scratch.deleteTree(dir);
    }
}
