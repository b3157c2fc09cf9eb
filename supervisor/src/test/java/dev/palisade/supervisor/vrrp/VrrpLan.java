package dev.palisade.supervisor.vrrp;

import dev.palisade.drivers.net.ArpProbe;
import dev.palisade.drivers.net.NetNamespace;
import dev.palisade.drivers.testing.Commands;
import java.io.File;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Two appliance nodes and an observer on one bridge, each in a network namespace this creates and deletes
 * (the bridge has its own namespace too): n1 10.99.0.1, n2 10.99.0.2, observer 10.99.0.3, all on eth0.
 * Runs keepalived or our VRRP in a node, "kills a node" (daemon SIGKILL and its link down, as a power loss
 * looks from the wire), and watches the virtual address with ARP from the observer.
 */
public final class VrrpLan implements AutoCloseable {
    public static final String VIP = "10.99.0.100";
    public final String bridge;
    public final String n1;
    public final String n2;
    public final String obs;
    public final Path dir;
    private final List<Daemon> daemons = new ArrayList<>();

    /** A daemon this test started: stopped by its own PID (and keepalived's VRRP child from its pid file). */
    public static final class Daemon {
        public final Process process;
        final Path childPidFile;
        final Path log;

        Daemon(Process process, Path childPidFile, Path log) {
            this.process = process;
            this.childPidFile = childPidFile;
            this.log = log;
        }

        public void kill9() throws IOException, InterruptedException {
            if (childPidFile != null && Files.exists(childPidFile)) {
                long child = Long.parseLong(Files.readString(childPidFile).trim());
                ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }

        public void term() throws InterruptedException {
            process.destroy();
        }

        public String log() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }
    }

    private VrrpLan(String suffix, Path dir) {
        this.bridge = "pvb" + suffix;
        this.n1 = "pvn1" + suffix;
        this.n2 = "pvn2" + suffix;
        this.obs = "pvo" + suffix;
        this.dir = dir;
    }

    public static VrrpLan create(Path dir) throws Exception {
        VrrpLan lan = new VrrpLan(String.valueOf(ProcessHandle.current().pid()), dir);
        try {
            bridgedLan(lan.bridge, "10.99.0.", List.of(lan.n1, lan.n2, lan.obs));
            return lan;
        } catch (Exception | AssertionError e) {
            lan.close();
            throw e;
        }
    }

    /**
     * Fresh namespaces {@code bridge} and {@code members} (loopback up) and a LAN between the members: each one's
     * eth0 on bridge br0 in {@code bridge}, addressed {@code subnet} + 1, 2, ... /24 in order.
     */
    public static void bridgedLan(String bridge, String subnet, List<String> members)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(bridge));
        all.addAll(members);
        for (String ns : all) {
            Commands.run(5000, "ip", "netns", "del", ns);
            ip("netns", "add", ns);
            ip("-n", ns, "link", "set", "lo", "up");
        }
        ip("-n", bridge, "link", "add", "br0", "type", "bridge");
        ip("-n", bridge, "link", "set", "br0", "up");
        for (int i = 1; i <= members.size(); i++) {
            String ns = members.get(i - 1);
            ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p" + i, "netns", bridge);
            ip("-n", bridge, "link", "set", "p" + i, "master", "br0");
            ip("-n", bridge, "link", "set", "p" + i, "up");
            ip("-n", ns, "addr", "add", subnet + i + "/24", "dev", "eth0");
            ip("-n", ns, "link", "set", "eth0", "up");
        }
    }

    /** Runs {@code ip ARGS}; a failure fails the test with what ip said. */
    public static void ip(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("ip"));
        c.addAll(List.of(args));
        Commands.Result r = Commands.run(5000, c);
        if (r.exit() != 0) {
            throw new AssertionError("ip " + String.join(" ", args) + ": " + r);
        }
    }

    public String mac(String ns) throws IOException, InterruptedException {
        String out = Commands.run(5000, "ip", "-n", ns, "-o", "link", "show", "eth0").stdout();
        int at = out.indexOf("link/ether ");
        return out.substring(at + 11, at + 28);
    }

    public boolean hasVip(String ns) throws IOException, InterruptedException {
        return hasAddress(ns, "-4", VIP);
    }

    /** Whether eth0 in {@code ns} holds {@code addr} ({@code family}: -4 or -6). */
    public static boolean hasAddress(String ns, String family, String addr) throws IOException, InterruptedException {
        return Commands.run(5000, "ip", "-n", ns, family, "-o", "addr", "show", "dev", "eth0").stdout()
                .contains(" " + addr + "/");
    }

    /** Runs {@code work} on a thread inside namespace {@code ns}; threads it starts stay there too. */
    public static <T> T inside(String ns, Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            NetNamespace.enter(ns);
            return work.call();
        });
        Thread t = new Thread(task, "in-" + ns);
        t.start();
        try {
            return task.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
        }
    }

    public ArpProbe observe() throws Exception {
        return inside(obs, () -> ArpProbe.start("eth0", (Inet4Address) InetAddress.getByName("10.99.0.3"),
                (Inet4Address) InetAddress.getByName(VIP), 10));
    }

    public Daemon keepalived(String ns, int version, String advert, int priority) throws IOException {
        String tag = ns + "-ka";
        Path conf = dir.resolve(tag + ".conf");
        Files.writeString(conf, """
                global_defs {
                    router_id %s
                    vrrp_version %d
                    vrrp_garp_master_delay 0
                    vrrp_garp_master_repeat 1
                }
                vrrp_instance VI_1 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int %s
                    version %d
                    virtual_ipaddress {
                        %s/24 dev eth0
                    }
                }
                """.formatted(tag, version, priority, advert, version, VIP));
        Path log = dir.resolve(tag + ".log");
        Path child = dir.resolve(tag + ".vrrp.pid");
        Files.deleteIfExists(child);
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, Commands.require("keepalived"), "-n", "-l", "-D",
                "-G", "-P", "-f", conf.toString(), "-p", dir.resolve(tag + ".pid").toString(), "-r", child.toString(),
                "-c", dir.resolve(tag + ".chk.pid").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Daemon d = new Daemon(p, child, log);
        daemons.add(d);
        return d;
    }

    public Daemon ours(String ns, int version, String advert, int priority) throws IOException {
        String tag = ns + "-palisade";
        Path conf = dir.resolve(tag + ".conf");
        Files.writeString(conf, """
                vrrp {
                  instance { name = "VI_1"; interface = "eth0"; vrid = "51"; version = "%d"; priority = "%d";
                             advert_int = "%s"; vip = "%s/24"; garp_repeat = "2"; }
                }
                """.formatted(version, priority, advert, VIP));
        Path log = dir.resolve(tag + ".log");
        Process p = new ProcessBuilder("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-Dtinylog.configuration=tinylog.properties", "-cp", System.getProperty("java.class.path"),
                "dev.palisade.supervisor.cli.Palisade", "vrrp", "-f", conf.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Daemon d = new Daemon(p, null, log);
        daemons.add(d);
        return d;
    }

    public Daemon lastKeepalived() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            if (daemons.get(i).childPidFile != null) {
                return daemons.get(i);
            }
        }
        throw new IllegalStateException("no keepalived started");
    }

    /** The node dies: its daemon is killed and its cable pulled; what it left configured stays behind. */
    public void die(String ns, Daemon d) throws Exception {
        d.kill9();
        ip("-n", ns, "link", "set", "eth0", "down");
    }

    /** The node comes back clean: cable in, no virtual address left over. */
    public void revive(String ns) throws Exception {
        Commands.run(5000, "ip", "-n", ns, "addr", "del", VIP + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
    }

    @Override
    public void close() throws Exception {
        for (Daemon d : daemons) {
            d.kill9();
        }
        for (String ns : List.of(n1, n2, obs, bridge)) {
            Commands.run(5000, "ip", "netns", "del", ns);
        }
    }
}
