package dev.palisade.drivers.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real Corosync 3 nodes (knet over veth) on one machine: node {@code i} runs in its own network namespace on a
 * bridge ({@code 10.77.0.i/24}) and its own mount namespace with a private /run (corosync.pid) and
 * /var/lib/corosync (ring ids). /dev/shm stays the machine's, so a thread of the test's JVM that enters the
 * node's network namespace can be a client (libqb's IPC is an abstract Unix socket plus /dev/shm rings).
 * Everything started here is stopped by PID; the namespaces are named with the test's PID and deleted again.
 */
public final class CorosyncRing implements AutoCloseable {
    private final Path dir;
    private final int size;
    private final String bridge;
    private final String[] netns;
    private final Process[] corosync;
    /** Every corosync PID this ring started, for the cleanup of /dev/shm. */
    private final List<Long> started = new ArrayList<>();

    private CorosyncRing(Path dir, int size) {
        this.dir = dir;
        this.size = size;
        String suffix = String.valueOf(ProcessHandle.current().pid());
        this.bridge = "crb" + suffix;
        this.netns = new String[size];
        for (int i = 0; i < size; i++) {
            netns[i] = "crn" + (i + 1) + "x" + suffix;
        }
        this.corosync = new Process[size];
    }

    /** Builds the network and the configurations of {@code size} nodes (ids 1..size); nothing runs yet. */
    public static CorosyncRing create(Path dir, int size, int tokenMillis) throws IOException, InterruptedException {
        Commands.require("corosync");
        CorosyncRing r = new CorosyncRing(dir, size);
        try {
            ip("netns", "add", r.bridge);
            ip("-n", r.bridge, "link", "add", "br0", "type", "bridge");
            ip("-n", r.bridge, "link", "set", "br0", "up");
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                addresses.add("10.77.0." + (i + 1));
            }
            for (int i = 0; i < size; i++) {
                ip("netns", "add", r.netns[i]);
                ip("-n", r.bridge, "link", "add", "v" + (i + 1), "type", "veth", "peer", "name", "eth0", "netns",
                        r.netns[i]);
                ip("-n", r.bridge, "link", "set", "v" + (i + 1), "master", "br0", "up");
                ip("-n", r.netns[i], "link", "set", "lo", "up");
                ip("-n", r.netns[i], "addr", "add", addresses.get(i) + "/24", "dev", "eth0");
                ip("-n", r.netns[i], "link", "set", "eth0", "up");
                Path node = dir.resolve("n" + (i + 1));
                Files.createDirectories(node);
                Files.writeString(node.resolve("corosync.conf"), conf("ringtest", addresses, tokenMillis,
                        node.resolve("corosync.log").toString(), null));
            }
            return r;
        } catch (IOException | InterruptedException | AssertionError e) {
            r.close();
            throw e;
        }
    }

    /**
     * A corosync.conf: knet, one link per node at {@code addresses} (node ids 1..n, names n1..n), votequorum,
     * {@code token} ms with token_coefficient 0 (the token timeout does not grow with the node count), no
     * encryption unless {@code authkey} is given (then aes256/sha256 with that key file). {@code extraQuorum} adds
     * lines to the quorum block (a qdevice).
     */
    public static String conf(String clusterName, List<String> addresses, int tokenMillis, String logFile,
                              String authkey) {
        return conf(clusterName, addresses, tokenMillis, logFile, authkey, "");
    }

    public static String conf(String clusterName, List<String> addresses, int tokenMillis, String logFile,
                              String authkey, String extraQuorum) {
        StringBuilder sb = new StringBuilder();
        sb.append("totem {\n\tversion: 2\n\tcluster_name: ").append(clusterName).append("\n\ttransport: knet\n");
        sb.append("\ttoken: ").append(tokenMillis).append("\n\ttoken_coefficient: 0\n");
        if (authkey != null) {
            sb.append("\tcrypto_cipher: aes256\n\tcrypto_hash: sha256\n\tkeyfile: ").append(authkey).append('\n');
        } else {
            sb.append("\tcrypto_cipher: none\n\tcrypto_hash: none\n");
        }
        sb.append("}\nnodelist {\n");
        for (int i = 0; i < addresses.size(); i++) {
            // each node block on its own lines: corosync's parser wants one key per line
            sb.append("\tnode {\n\t\tname: n").append(i + 1).append("\n\t\tnodeid: ").append(i + 1)
                    .append("\n\t\tring0_addr: ").append(addresses.get(i)).append("\n\t}\n");
        }
        sb.append("}\nquorum {\n\tprovider: corosync_votequorum\n").append(extraQuorum).append("}\n");
        sb.append("logging {\n\tto_stderr: no\n\tto_syslog: no\n\tto_logfile: yes\n\tlogfile: ").append(logFile)
                .append("\n\ttimestamp: hires\n\tdebug: off\n}\n");
        return sb.toString();
    }

    /** The network namespace of node {@code id} (1-based). */
    public String netns(int id) {
        return netns[id - 1];
    }

    /** Starts node {@code id}'s corosync (foreground, its own mount namespace); returns once it answers IPC. */
    public void start(int id) throws IOException, InterruptedException {
        Path node = dir.resolve("n" + id);
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", netns[id - 1], "unshare", "--mount",
                "--propagation", "private", "--", "/bin/sh", "-ec",
                "mount -t tmpfs -o mode=0755,size=16m cr-run /run; "
                        + "mount -t tmpfs -o mode=0755,size=16m cr-lib /var/lib/corosync; "
                        + "exec corosync -f -c " + node.resolve("corosync.conf"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        node.resolve("corosync.out").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        corosync[id - 1] = pb.start();
        started.add(corosync[id - 1].pid());
        long deadline = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(20)).toNanos();
        while (System.nanoTime() < deadline) {
            if (!corosync[id - 1].isAlive()) {
                throw new IOException("corosync n" + id + " exited: " + Files.readString(node.resolve("corosync.out"))
                        + log(id));
            }
            int rc = quorumtool(id);
            if (rc == 0 || rc == 2) { // 0 quorate, 2 not quorate, 1 no answer yet
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("corosync n" + id + " does not answer IPC" + log(id));
    }

    /** {@code corosync-quorumtool -s} in node {@code id}: 0 quorate, 2 not quorate, 1 cannot connect. */
    public int quorumtool(int id) throws IOException, InterruptedException {
        return Commands.run(10_000, "ip", "netns", "exec", netns[id - 1], "corosync-quorumtool", "-s").exit();
    }

    /** Node {@code id}'s corosync PID, or -1 when it is not running. */
    public long pid(int id) {
        Process p = corosync[id - 1];
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    /** Sends {@code signal} (KILL, TERM, STOP, CONT) to node {@code id}'s corosync. */
    public void signal(int id, String signal) throws IOException, InterruptedException {
        long pid = pid(id);
        if (pid > 0) {
            Commands.run(5000, "kill", "-" + signal, String.valueOf(pid));
        }
        if (signal.equals("KILL") || signal.equals("TERM")) {
            corosync[id - 1].waitFor(TestTime.millis(10_000), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    public String log(int id) throws IOException {
        Path l = dir.resolve("n" + id).resolve("corosync.log");
        return Files.exists(l) ? "\n--- corosync n" + id + " log:\n" + Files.readString(l) : "";
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Commands.Result r = Commands.run(10_000, cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + r);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        List<Long> pids = started;
        for (int i = 0; i < size; i++) {
            if (corosync[i] != null) {
                if (corosync[i].isAlive()) {
                    signal(i + 1, "CONT");
                    corosync[i].destroyForcibly();
                    corosync[i].waitFor(TestTime.millis(10_000), java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
        }
        // what our corosyncs left in the shared /dev/shm: libqb's connection directories "qb-SERVERPID-CLIENTPID-..."
        // and the 8 MiB flight recorder "qb-corosync-PID-blackbox-*"
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            for (Path f : shm.toList()) {
                String n = f.getFileName().toString();
                for (long pid : pids) {
                    if (n.startsWith("qb-" + pid + "-") || n.startsWith("qb-corosync-" + pid + "-")) {
                        Scratch.deleteTree(f);
                    }
                }
            }
        }
        for (String ns : netns) {
            Commands.run(5000, "ip", "netns", "del", ns);
        }
        Commands.run(5000, "ip", "netns", "del", bridge);
    }
}
