package dev.palisade.supervisor.pair;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.resources.MariaDbData;
import dev.palisade.supervisor.resources.MariaDbResource;
import dev.palisade.supervisor.vrrp.VrrpLan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Two appliances on one machine, as close to two boxes as it gets here: each supervisor runs in its own
 * network namespace (its own mount namespace too, through {@code ip netns exec}), powered by its own
 * ipmi_sim whose chassis control starts the supervisor and cuts it (its whole process group, MariaDB
 * included) on power off. The nodes share a LAN (bridge: pf1 10.98.0.1, pf2 10.98.0.2, the observer with
 * both BMCs and the client 10.98.0.3, the database's VIP 10.98.0.100), a crossover heartbeat NIC (10.97.0.1
 * and .2) and a null-modem cable (a socat pty pair). The replicated disk is one ext4 image with MariaDB's
 * data directory on it, which the active node mounts through a loop device.
 */
public final class PairLab implements AutoCloseable {
    public static final String VIP = "10.98.0.100";
    public static final String[] NODES = {"pf1", "pf2"};
    public final Path dir;
    public final String bridge;
    public final String obs;
    public final String[] ns = new String[2];
    public final IpmiSim[] bmc = new IpmiSim[2];
    private final Timing timing;
    private DaemonProcess cable;
    private DaemonProcess writer;

    /** Heartbeat and VRRP timing of one lab. */
    public record Timing(String keepalive, String deadtime, String warntime, String initdead, String advert,
                         String priorityDelay) {
        /** keepalive 100 ms, deadtime 500 ms; fencing pf1 (the home node) waits 1 s so it wins a partition. */
        public static final Timing FAST = new Timing("100ms", "500ms", "300ms", "5s", "0.1", "1s");

        public Timing withPriorityDelay(String delay) {
            return new Timing(keepalive, deadtime, warntime, initdead, advert, delay);
        }
    }

    private PairLab(Path dir, Timing timing) {
        this.dir = dir;
        this.timing = timing;
        String suffix = String.valueOf(ProcessHandle.current().pid());
        this.bridge = "ppb" + suffix;
        this.obs = "ppo" + suffix;
        ns[0] = "ppn1" + suffix;
        ns[1] = "ppn2" + suffix;
    }

    /**
     * Only the networks, the disk image and the serial cable, for another HA stack's nodes (the benchmark runs
     * real Heartbeat on it); the caller sets {@link #bmc}.
     */
    public static PairLab createBare(Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PairLab lab = new PairLab(dir, Timing.FAST);
        try {
            lab.network();
            lab.disk();
            lab.startCable();
            return lab;
        } catch (Exception | AssertionError e) {
            lab.close();
            throw e;
        }
    }

    /** Builds the networks, the disk image and the configurations; the nodes are still off. */
    public static PairLab create(Path dir, Timing timing) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PairLab lab = new PairLab(dir, timing);
        try {
            lab.network();
            lab.disk();
            Path key = Fixtures.key(dir, "cluster.key");
            lab.startCable();
            for (int i = 0; i < 2; i++) {
                Files.createDirectories(dir.resolve(NODES[i]));
                Path conf = lab.config(i, key);
                List<String> cmd = Commands.concat(List.of("ip", "netns", "exec", lab.ns[i]),
                        palisade("supervisor", "-f", conf.toString()).toArray(String[]::new));
                lab.bmc[i] = IpmiSim.startOff(lab.obs, "10.98.0.3", 6231 + i, cmd);
                lab.powerHooks(i);
            }
            return lab;
        } catch (Exception | AssertionError e) {
            lab.close();
            throw e;
        }
    }

    private void network() throws Exception {
        VrrpLan.bridgedLan(bridge, "10.98.0.", List.of(ns[0], ns[1], obs));
        VrrpLan.ip("link", "add", "eth1", "netns", ns[0], "type", "veth", "peer", "name", "eth1", "netns", ns[1]);
        for (int i = 0; i < 2; i++) {
            VrrpLan.ip("-n", ns[i], "addr", "add", "10.97.0." + (i + 1) + "/24", "dev", "eth1");
            VrrpLan.ip("-n", ns[i], "link", "set", "eth1", "up");
        }
    }

    /** The shared disk: an ext4 image holding a MariaDB data directory with the application's table. */
    private void disk() throws Exception {
        Path img = dev.palisade.drivers.testing.Scratch.ext4Image(dir.resolve("data.img"), 256);
        Path mnt = dir.resolve("setup");
        Files.createDirectories(mnt);
        check(Commands.run(30_000, "mount", "-o", "loop", img.toString(), mnt.toString()));
        try {
            MariaDbData.install(mnt.resolve("mysql"));
            MariaDbResource db = new MariaDbResource(MariaDbResource.Settings.parse(List.of(
                    mnt.resolve("mysql").toString(), "socket=" + dir.resolve("setup-run/mysqld.sock"), "port=13399",
                    "bind=127.0.0.1")));
            db.start();
            try {
                MariaDbData.createApp(dir.resolve("setup-run/mysqld.sock"));
            } finally {
                db.stop();
            }
        } finally {
            check(Commands.run(30_000, "umount", mnt.toString()));
        }
    }

    private void startCable() throws IOException, InterruptedException {
        cable = DaemonProcess.nullModem(dir.resolve("ttyA"), dir.resolve("ttyB"), dir.resolve("socat.log"));
    }

    private Path config(int i, Path key) throws IOException {
        int peer = 1 - i;
        String home = NODES[0];
        Path node = dir.resolve(NODES[i]);
        String text = """
                supervisor {
                  node = "%s"; peer = "%s";
                  keepalive = "%s"; deadtime = "%s"; warntime = "%s"; initdead = "%s";
                  auto_failback = "off";
                  control_socket = "%s"; state_dir = "%s";
                  monitor_interval = "1s";
                }
                auth { key_file = "%s"; }
                links {
                  serial { device = "%s"; baud = "115200"; }
                  udp { interface = "eth1"; peer = "10.97.0.%d"; port = "6940"; }
                }
                resources {
                  group {
                    home = "%s";
                    resource = "Filesystem::%s::%s::ext4";
                    resource = "mariadb::%s::socket=%s::port=3306::bind=0.0.0.0::user=mysql::option=innodb_buffer_pool_size=32M::option=innodb_flush_log_at_trx_commit=1::option=skip-name-resolve";
                    resource = "vip::vi_db";
                  }
                }
                fencing {
                  verify_timeout = "10s"; poll_interval = "20ms"; priority_fencing_delay = "%s";
                  node {
                    name = "%s";
                    level { device { type = "ipmi"; host = "10.98.0.3"; port = "%d"; user = "%s"; password = "%s";
                                     timeout = "300ms"; retries = "3"; } }
                  }
                }
                vrrp {
                  instance { name = "vi_db"; interface = "eth0"; vrid = "51"; version = "3"; priority = "100";
                             advert_int = "%s"; vip = "%s/24"; garp_repeat = "3"; }
                }
                """.formatted(NODES[i], NODES[peer], timing.keepalive(), timing.deadtime(), timing.warntime(),
                timing.initdead(), node.resolve("control.sock"), node.resolve("state"), key,
                dir.resolve(i == 0 ? "ttyA" : "ttyB"), peer + 1,
                home, dir.resolve("data.img"), node.resolve("mnt"), node.resolve("mnt/mysql"),
                node.resolve("run/mysqld.sock"), timing.priorityDelay(), NODES[peer], 6231 + peer, IpmiSim.USER,
                IpmiSim.PASSWORD, timing.advert(), VIP);
        return Fixtures.write(dir.resolve(NODES[i] + ".conf"), text);
    }

    /** {@code palisade ARGS} as an operator's shell runs it (from the test classpath). */
    public static List<String> palisade(String... args) {
        return dev.palisade.supervisor.cli.PalisadeProcess.command(args);
    }

    private static void check(Commands.Result r) {
        if (r.exit() != 0) {
            throw new AssertionError(r.toString());
        }
    }

    /**
     * A power cut takes the node's NICs down with it (the peer's crossover port loses link, nothing answers ARP
     * for an address the node held); power on brings them up without the virtual address, as a boot does.
     */
    public void powerHooks(int node) throws IOException {
        String n = ns[node];
        bmc[node].powerHooks("ip -n " + n + " addr del " + VIP + "/24 dev eth0 2>/dev/null; ip -n " + n
                + " link set eth0 up; ip -n " + n + " link set eth1 up",
                "ip -n " + n + " link set eth0 down; ip -n " + n + " link set eth1 down");
    }

    public Commands.Result power(int node, String op) throws IOException, InterruptedException {
        return bmc[node].power(op);
    }

    public Path controlSocket(int node) {
        return dir.resolve(NODES[node]).resolve("control.sock");
    }

    /** {@code palisade ctl COMMAND} against a node; the answer, or the error when it cannot be reached. */
    public String ctl(int node, String command) {
        try {
            return ControlSocket.ask(controlSocket(node), command);
        } catch (IOException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    /** The node's failover state from its status, or "OFF" when it does not answer. */
    public String state(int node) {
        String s = ctl(node, "status");
        if (s.startsWith("unreachable")) {
            return "OFF";
        }
        String first = s.lines().findFirst().orElse("");
        int colon = first.indexOf(": ");
        return colon < 0 ? "?" : first.substring(colon + 2).split(" ")[0];
    }

    public Map<String, String> states() {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < 2; i++) {
            m.put(NODES[i], state(i));
        }
        return m;
    }

    /** Waits until {@code condition} holds, at most {@code max} (scaled). */
    public static boolean await(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TestTime.scaled(max).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            sleep(20);
        }
        return condition.getAsBoolean();
    }

    /**
     * The largest gap between consecutive acknowledgements with its end at or after {@code from}: {the last
     * acknowledgement before it, the first after it} (epoch ms), or {0, 0}.
     */
    public static long[] largestGapAfter(NavigableMap<Long, Long> acks, long from) {
        long prev = -1;
        long[] worst = {0, 0};
        for (long t : acks.values()) {
            if (prev > 0 && t >= from && t - prev > worst[1] - worst[0]) {
                worst = new long[] {prev, t};
            }
            prev = t;
        }
        return worst;
    }

    /** Starts the application writing rows through the VIP from the observer's namespace. */
    public void startWriter() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", obs,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), RowWriter.class.getName(), VIP, "3306",
                MariaDbData.APP_USER, MariaDbData.APP_PASSWORD, acks().toString(), dir.resolve("stop-writer").toString()));
        writer = DaemonProcess.start(cmd, dir.resolve("writer.log"));
    }

    /** What {@link #acknowledged()} has read of the acknowledgement file. */
    private final TreeMap<Long, Long> acked = new TreeMap<>();
    private long ackedBytes;

    public Path acks() {
        return dir.resolve("acks");
    }

    /**
     * The rows acknowledged so far: n -> the time its commit was confirmed (a read-only view that later calls
     * extend). Each call reads only what the writer appended since the last one, so polling it while a failover
     * is timed costs next to nothing.
     */
    public synchronized NavigableMap<Long, Long> acknowledged() throws IOException {
        if (Files.exists(acks())) {
            byte[] fresh;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(acks())) {
                ch.position(ackedBytes);
                fresh = java.nio.channels.Channels.newInputStream(ch).readAllBytes();
            }
            int end = 0;
            for (int i = 0; i < fresh.length; i++) {
                if (fresh[i] != '\n') {
                    continue;
                }
                String[] f = new String(fresh, end, i - end, java.nio.charset.StandardCharsets.US_ASCII).split(" ");
                if (f.length == 2) {
                    acked.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
                }
                end = i + 1;
            }
            ackedBytes += end; // a line still being written is read whole next time
        }
        return Collections.unmodifiableNavigableMap(acked);
    }

    public void stopWriter() throws Exception {
        Files.writeString(dir.resolve("stop-writer"), "");
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    /** Every row number in the table, read on the active node over its socket. */
    public java.util.Set<Long> rowsOn(int node) throws IOException, InterruptedException {
        String out = Commands.run(30_000, "ip", "netns", "exec", ns[node], Commands.require("mariadb"),
                "--no-defaults", "--socket=" + dir.resolve(NODES[node]).resolve("run/mysqld.sock"), "--user=root",
                "--batch", "--skip-column-names", "-e", "SELECT n FROM app.ledger").stdout();
        return rowNumbers(out);
    }

    /** The row numbers in the output of {@code mariadb --batch --skip-column-names -e "SELECT n ..."}. */
    public static java.util.Set<Long> rowNumbers(String out) {
        java.util.Set<Long> rows = new java.util.HashSet<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                rows.add(Long.parseLong(l.trim()));
            }
        }
        return rows;
    }

    /** A node's supervisor log so far (what its BMC's host wrote). */
    public String log(int node) throws IOException {
        Path out = bmc[node] == null ? null : bmc[node].dir().resolve("host.out");
        return out != null && Files.exists(out) ? Files.readString(out) : "";
    }

    /** Cuts both heartbeat links (the crossover NIC and the serial cable); the LAN stays up. */
    public void partition() throws Exception {
        VrrpLan.ip("-n", ns[0], "link", "set", "eth1", "down");
        cable.close();
        cable = null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            stopWriter();
        }
        for (int i = 0; i < 2; i++) {
            if (bmc[i] != null) {
                Files.writeString(dir.resolve(NODES[i] + ".log"), log(i));
                bmc[i].close(); // kills its host's whole process group: supervisor and MariaDB
            }
        }
        if (cable != null) {
            cable.close();
        }
        for (String n : List.of(ns[0], ns[1], obs, bridge)) {
            Commands.run(5000, "ip", "netns", "del", n);
        }
        String loops = Commands.run(10_000, "losetup", "-j", dir.resolve("data.img").toString()).stdout();
        for (String l : loops.split("\n")) {
            if (l.startsWith("/dev/loop")) {
                Commands.run(10_000, "losetup", "-d", l.substring(0, l.indexOf(':')));
            }
        }
    }
}
