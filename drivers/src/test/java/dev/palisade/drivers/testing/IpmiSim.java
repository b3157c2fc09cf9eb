package dev.palisade.drivers.testing;

import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.ipmi.IpmiSession;
import dev.palisade.drivers.ipmi.IpmiTarget;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real BMC simulator: OpenIPMI's {@code ipmi_sim} on a free loopback UDP port, in chassis_control mode,
 * whose power control starts and kills a real process (the "host": {@code sleep} under a pid file).
 * Off is SIGKILL and waits until the host is gone, on starts a new one, reset kills and starts, soft is
 * SIGTERM. Everything started here is stopped by PID on {@link #close()}.
 */
public final class IpmiSim implements AutoCloseable {
    public static final String USER = "fence";
    public static final String PASSWORD = "fencepass";
    /** A user whose limit is USER privilege: may read status, may not control power. */
    public static final String VIEWER = "viewer";
    public static final String VIEWER_PASSWORD = "viewpass";

    private final Path dir;
    private final String netns;
    private final String address;
    private final int port;
    private final Process sim;

    private IpmiSim(Path dir, String netns, String address, int port, Process sim) {
        this.dir = dir;
        this.netns = netns;
        this.address = address;
        this.port = port;
        this.sim = sim;
    }

    /** Starts ipmi_sim on loopback with the host (a sleep) powered on; returns once it answers a power status. */
    public static IpmiSim start() throws IOException, InterruptedException {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return start(null, "127.0.0.1", port, null, true);
    }

    /** As {@link #start(String, String, int, List, boolean)} with the host left off (power it on to boot it). */
    public static IpmiSim startOff(String netns, String address, int port, List<String> hostCommand)
            throws IOException, InterruptedException {
        return start(netns, address, port, hostCommand, false);
    }

    /**
     * Starts ipmi_sim inside network namespace {@code netns} (null: this one) on {@code address}:{@code port},
     * whose host is {@code hostCommand} (null: a sleep), in its own session: power off SIGKILLs the host's whole
     * process group and returns only when none of it is left, as a power cut leaves nothing running.
     */
    public static IpmiSim start(String netns, String address, int port, List<String> hostCommand, boolean on)
            throws IOException, InterruptedException {
        Commands.require("ipmi_sim");
        Path dir = Files.createTempDirectory("ipmisim");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path host = dir.resolve("host.sh");
        String run = hostCommand == null ? "exec sleep 2147483647"
                : "exec " + String.join(" ", hostCommand.stream().map(IpmiSim::quote).toList())
                + " </dev/null >>\"$1/host.out\" 2>&1";
        Files.writeString(host, """
                #!/bin/sh
                # the fenced host: lives until killed; same PID after exec
                echo $$ > "$1/host.pid.$$" && mv -f "$1/host.pid.$$" "$1/host.pid"
                echo "$(date +%s.%N) host started pid $$" >> "$1/host.log"
                """ + run + "\n");
        Path ctl = dir.resolve("chassisctl.sh");
        Files.writeString(ctl, """
                #!/bin/sh
                # ipmi_sim chassis_control program: DIR get power | set power 0|1 | set reset 1 | set shutdown 1
                D=$1; op=$2; shift 2
                PIDF=$D/host.pid
                # shell builtins only on the status path: every client pays this per call, so keep it small
                alive() { [ -f "$PIDF" ] || return 1; read p < "$PIDF" || return 1; [ -r /proc/$p/stat ] || return 1
                          read s < /proc/$p/stat || return 1; s=${s##*") "}; [ "${s%% *}" != Z ]; }
                # on-hook.sh / off-hook.sh, when present, do what a real power cycle does to the host's NICs
                start() { alive && return 0
                  [ -x "$D/on-hook.sh" ] && "$D/on-hook.sh"
                  setsid "$D/host.sh" "$D" </dev/null >/dev/null 2>&1 &
                  i=0; while ! alive && [ $i -lt 400 ]; do sleep 0.005; i=$((i+1)); done; }
                # any process of the host's group (it is a session leader) not yet a zombie
                group() { for f in /proc/[0-9]*/stat; do read -r s < "$f" 2>/dev/null || continue
                            s=${s##*") "}; set -- $s; [ "$1" != Z ] && [ "$3" = "$p" ] && return 0; done; return 1; }
                stop() { alive || return 0; /bin/kill -"$1" -- -"$p" 2>/dev/null || kill -"$1" "$p" 2>/dev/null
                  i=0; while alive && [ $i -lt 400 ]; do sleep 0.005; i=$((i+1)); done
                  alive && return 1
                  [ "$1" = KILL ] && { i=0; while group && [ $i -lt 400 ]; do sleep 0.005; i=$((i+1)); done; }
                  echo "$(date +%s.%N) host $p stopped by SIG$1" >> "$D/host.log"
                  [ "$1" = KILL ] && [ -x "$D/off-hook.sh" ] && "$D/off-hook.sh"; return 0; }
                case $op in
                  get) for parm in "$@"; do case $parm in
                         power) if alive; then echo power:1; else echo power:0; fi ;;
                         boot) echo boot:default ;;
                         *) exit 1 ;; esac; done ;;
                  set) while [ $# -ge 2 ]; do parm=$1; val=$2; shift 2; case $parm in
                         power) if [ "$val" = 1 ]; then start; else stop KILL || exit 1; fi ;;
                         reset) stop KILL || exit 1; start ;;
                         shutdown) stop TERM || exit 1 ;;
                         boot|identify) ;;
                         *) exit 1 ;; esac; done ;;
                  *) exit 1 ;;
                esac
                exit 0
                """);
        host.toFile().setExecutable(true);
        ctl.toFile().setExecutable(true);
        Files.writeString(dir.resolve("lan.conf"), """
                name "palisadetest"
                set_working_mc 0x20
                  startlan 1
                    addr %s %d
                    priv_limit admin
                    allowed_auths_callback none md2 md5 straight
                    allowed_auths_user none md2 md5 straight
                    allowed_auths_operator none md2 md5 straight
                    allowed_auths_admin none md2 md5 straight
                    guid a123456789abcdefa123456789abcdef
                  endlan
                  chassis_control "%s %s"
                  user 2 true "%s" "%s" admin 10 none md2 md5 straight
                  user 3 true "%s" "%s" user 10 none md2 md5 straight
                """.formatted(address, port, ctl, dir, USER, PASSWORD, VIEWER, VIEWER_PASSWORD));
        Files.writeString(dir.resolve("bmc.emu"), """
                mc_setbmc 0x20
                mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
                mc_enable 0x20
                """);
        Files.createDirectories(dir.resolve("state"));
        if (on) {
            Commands.Result r = Commands.run(10_000, ctl.toString(), dir.toString(), "set", "power", "1");
            if (r.exit() != 0) {
                throw new IOException("cannot power the test host on: " + r);
            }
        }
        List<String> simCmd = new ArrayList<>();
        if (netns != null) {
            simCmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        simCmd.addAll(List.of("ipmi_sim", "-n", "-c", dir.resolve("lan.conf").toString(), "-f",
                dir.resolve("bmc.emu").toString(), "-s", dir.resolve("state").toString()));
        Process p = new ProcessBuilder(simCmd).redirectErrorStream(true).redirectOutput(dir.resolve("sim.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        IpmiSim sim = new IpmiSim(dir, netns, address, port, p);
        long deadline = System.nanoTime() + TestTime.scaled(Duration.ofSeconds(10)).toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String log = Files.readString(dir.resolve("sim.log"));
                sim.close();
                throw new IOException("ipmi_sim exited: " + log);
            }
            if (netns != null) {
                Commands.Result r = sim.power("status");
                if (r.exit() == 0) {
                    return sim;
                }
                last = new IOException(r.toString());
                Thread.sleep(50);
                continue;
            }
            try (IpmiSession s = IpmiSession.open(sim.target(CipherSuite.SUITE_3)
                    .withTimeout(Duration.ofMillis(200), 1))) {
                s.chassisStatus();
                return sim;
            } catch (IOException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        sim.close();
        throw new IOException("ipmi_sim did not answer within 10 s", last);
    }

    public int port() {
        return port;
    }

    public String address() {
        return address;
    }

    /**
     * Shell commands run when the host is powered on (before it starts) and after it is powered off (once none of
     * it runs): what a real power cycle does beyond the processes, such as the NICs losing link.
     */
    public void powerHooks(String onCommands, String offCommands) throws IOException {
        for (String[] h : new String[][] {{"on-hook.sh", onCommands}, {"off-hook.sh", offCommands}}) {
            Path f = dir.resolve(h[0]);
            Files.writeString(f, "#!/bin/sh\n" + h[1] + "\n");
            f.toFile().setExecutable(true);
        }
    }

    /** Stock ipmitool {@code chassis power OP} against this BMC, from its namespace. */
    public Commands.Result power(String op) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>();
        if (netns != null) {
            c.addAll(List.of("ip", "netns", "exec", netns));
        }
        c.addAll(ipmitool(3, "-N", "1", "-R", "3", "chassis", "power", op));
        return Commands.run(20_000, c);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    public Path dir() {
        return dir;
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public IpmiTarget target(CipherSuite suite) {
        return IpmiTarget.of(socketAddress(), USER, PASSWORD, suite)
                .withTimeout(TestTime.scaled(Duration.ofSeconds(1)), 4);
    }

    /** The host process's PID, or -1 when it is off. */
    public long hostPid() throws IOException {
        Path f = dir.resolve("host.pid");
        if (!Files.exists(f)) {
            return -1;
        }
        long pid = Long.parseLong(Files.readString(f).trim());
        return alive(pid) ? pid : -1;
    }

    public static boolean alive(long pid) {
        return dev.palisade.drivers.platform.ProcessRun.running(pid);
    }

    /** The stock ipmitool, lanplus, against this simulator (run it from the simulator's namespace). */
    public List<String> ipmitool(int suite, String... command) {
        List<String> c = new ArrayList<>(List.of(Commands.require("ipmitool"), "-I", "lanplus", "-H", address,
                "-p", String.valueOf(port), "-U", USER, "-P", PASSWORD, "-C", String.valueOf(suite)));
        c.addAll(List.of(command));
        return c;
    }

    /** The host start/stop history written by the chassis control program. */
    public String hostLog() throws IOException {
        Path f = dir.resolve("host.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Override
    public void close() throws IOException {
        sim.destroy();
        try {
            if (!sim.waitFor(3, TimeUnit.SECONDS)) {
                sim.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long host = hostPid();
        if (host > 0) {
            try {
                Commands.run(5000, "kill", "-KILL", "--", "-" + host); // the host's whole process group
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ProcessHandle.of(host).ifPresent(ProcessHandle::destroyForcibly);
        }
        Scratch.deleteTree(dir);
    }
}
