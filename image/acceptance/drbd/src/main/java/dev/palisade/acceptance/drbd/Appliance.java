package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One appliance VM and its BMC. The machine is a QEMU process (TCG only: KVM guests hang here) booting the
 * distribution kernel on a copy-on-write overlay of the appliance root, with its own 256 MiB DRBD disk, a LAN NIC on
 * the lab's bridge (a tap), a private NIC for replication and heartbeats (a UDP datagram netdev to the peer's),
 * ttyS1 on the serial cable, and two virtio-serial ports for the lab agents. Its power is behind its own
 * {@code ipmi_sim} on the LAN, whose chassis control starts and SIGKILLs that QEMU process: the supervisors fence
 * through real IPMI, and so does the harness when it cuts the power.
 */
final class Appliance {
    static final String IPMI_USER = "fence";
    static final String IPMI_PASSWORD = "fencepass";

    final String name;
    final int index;
    final String lanIp;
    final String bmcIp;
    final Path dir;
    final GuestAgent agent;
    /** A second agent for the role sampler, so that a long scenario command never delays a sample. */
    final GuestAgent probeAgent;
    private Process bmc;

    Appliance(String name, int index, Path runDir) {
        this.name = name;
        this.index = index;
        this.lanIp = "10.98.0.1" + (index + 1);
        this.bmcIp = "10.98.0.2" + (index + 1);
        this.dir = runDir.resolve(name);
        this.agent = new GuestAgent(name, dir.resolve("agent.sock"));
        this.probeAgent = new GuestAgent(name + "-probe", dir.resolve("probe.sock"));
    }

    /** The disks, the power-on script and the BMC's files; the machine stays off. */
    void prepare(Path kernel, Path initrd, Path rootImage) throws IOException {
        Files.createDirectories(dir);
        HostCommand.Result r = HostCommand.run(Duration.ofSeconds(60), "qemu-img", "create", "-q", "-f", "qcow2",
                "-b", rootImage.toString(), "-F", "raw", dir.resolve("root.qcow2").toString());
        if (!r.ok()) {
            throw new IOException("qemu-img create for " + name + ": " + r);
        }
        try (var f = java.nio.channels.FileChannel.open(dir.resolve("drbd.img"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0);
            f.write(java.nio.ByteBuffer.allocate(1), 256L * 1024 * 1024 - 1); // sparse 256 MiB of zeros
        }
        String d = dir.toString();
        int peer = 1 - index;
        String qemu = String.join(" \\\n  ", List.of(
                "exec qemu-system-x86_64 -name " + name + " -machine q35,accel=tcg -cpu max -m 1024 -smp 1"
                        + " -display none -no-reboot -nodefaults",
                "-kernel " + kernel + " -initrd " + initrd,
                "-append \"console=ttyS0,115200 net.ifnames=0 loglevel=4 panic=1 appliance.node=" + name
                        + " systemd.hostname=" + name + " systemd.show_status=0 systemd.journald.forward_to_console=1"
                        + " $(cat " + d + "/boot-args 2>/dev/null)\"",
                // cache=unsafe: a power cut SIGKILLs QEMU, which loses nothing QEMU already wrote (the host keeps
                // it), exactly as with writeback; the host is never cut, so its flushes buy nothing here
                "-drive file=" + d + "/root.qcow2,format=qcow2,if=virtio,cache=unsafe",
                "-drive file=" + d + "/drbd.img,format=raw,if=virtio,cache=unsafe",
                "-netdev tap,id=lan,ifname=" + tap() + ",script=no,downscript=no",
                "-device virtio-net-pci,netdev=lan,mac=52:54:00:16:00:1" + (index + 1) + ",addr=0x3",
                "-netdev dgram,id=hb,local.type=inet,local.host=127.0.0.1,local.port=" + (47120 + index)
                        + ",remote.type=inet,remote.host=127.0.0.1,remote.port=" + (47120 + peer),
                "-device virtio-net-pci,id=hbnic,netdev=hb,mac=52:54:00:16:01:1" + (index + 1) + ",addr=0x4",
                "-chardev file,id=console,path=" + d + "/console.log,append=on -serial chardev:console",
                "-chardev udp,id=cable,host=127.0.0.1,port=" + cablePort(index) + ",localaddr=127.0.0.1,localport="
                        + guestCablePort(index) + " -serial chardev:cable",
                "-device virtio-serial-pci,addr=0x5",
                "-chardev socket,id=agent,path=" + d + "/agent.sock,server=on,wait=off"
                        + " -device virtserialport,chardev=agent,name=lab.agent",
                "-chardev socket,id=probe,path=" + d + "/probe.sock,server=on,wait=off"
                        + " -device virtserialport,chardev=probe,name=lab.probe",
                "-device virtio-rng-pci,addr=0x6",
                "-monitor unix:" + d + "/monitor.sock,server=on,wait=off"));
        script(dir.resolve("power-on.sh"), "#!/bin/sh\n# " + name + "'s power supply: the BMC's chassis control runs"
                + " this to power the machine on\necho $$ > " + d + "/qemu.pid.new && mv -f " + d + "/qemu.pid.new " + d
                + "/qemu.pid\necho \"$(date +%s.%N) power on\" >> " + d + "/power.log\n" + qemu + "\n");
        try (InputStream in = Appliance.class.getResourceAsStream("chassis-control.sh")) {
            script(dir.resolve("chassis-control.sh"), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("lan.conf"), """
                name "%s-bmc"
                set_working_mc 0x20
                  startlan 1
                    addr %s 623
                    priv_limit admin
                    allowed_auths_callback none md2 md5 straight
                    allowed_auths_user none md2 md5 straight
                    allowed_auths_operator none md2 md5 straight
                    allowed_auths_admin none md2 md5 straight
                    guid a123456789abcdefa123456789abcde%d
                  endlan
                  chassis_control "%s %s"
                  user 2 true "%s" "%s" admin 10 none md2 md5 straight
                """.formatted(name, bmcIp, index, dir.resolve("chassis-control.sh"), d, IPMI_USER, IPMI_PASSWORD));
        Files.writeString(dir.resolve("bmc.emu"), """
                mc_setbmc 0x20
                mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
                mc_enable 0x20
                """);
        Files.createDirectories(dir.resolve("bmc-state"));
    }

    String tap() {
        return "lan-" + name;
    }

    static int cablePort(int index) {
        return 47100 + index;
    }

    static int guestCablePort(int index) {
        return 47110 + index;
    }

    private static void script(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Kernel arguments for the next boot (provisioning masks the supervisor); empty for a normal boot. */
    void bootArgs(String args) throws IOException {
        Files.writeString(dir.resolve("boot-args"), args);
    }

    /** Starts this appliance's BMC (ipmi_sim on the LAN); its PID goes to {@code pids} for the last-resort cleanup. */
    void startBmc(Path pids) throws IOException, InterruptedException {
        bmc = new ProcessBuilder("ipmi_sim", "-n", "-c", dir.resolve("lan.conf").toString(), "-f",
                dir.resolve("bmc.emu").toString(), "-s", dir.resolve("bmc-state").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("bmc.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Files.writeString(pids.resolve("bmc-" + name), bmc.pid() + "\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!bmc.isAlive()) {
                throw new IOException(name + "'s BMC (ipmi_sim) exited: " + Files.readString(dir.resolve("bmc.log")));
            }
            HostCommand.Result r = ipmitool("chassis", "power", "status");
            if (r.ok()) {
                return;
            }
            last = r.toString();
            Thread.sleep(200);
        }
        throw new IOException(name + "'s BMC did not answer within 20 s: " + last);
    }

    /** Stock ipmitool against this appliance's BMC, lanplus, cipher suite 3. */
    HostCommand.Result ipmitool(String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("ipmitool", "-I", "lanplus", "-H", bmcIp, "-p", "623", "-U", IPMI_USER,
                "-P", IPMI_PASSWORD, "-C", "3", "-N", "1", "-R", "3"));
        c.addAll(List.of(command));
        return HostCommand.run(Duration.ofSeconds(30), c);
    }

    /** {@code chassis power on|off} through the BMC; fails unless the BMC confirms. */
    void power(String op) throws IOException {
        HostCommand.Result r = ipmitool("chassis", "power", op);
        if (!r.ok()) {
            throw new IOException(name + ": chassis power " + op + " failed: " + r);
        }
    }

    /** Whether the BMC reads the machine's power on. */
    boolean poweredOn() throws IOException {
        HostCommand.Result r = ipmitool("chassis", "power", "status");
        if (!r.ok()) {
            throw new IOException(name + ": chassis power status failed: " + r);
        }
        return r.output().contains("is on");
    }

    /** A script in the appliance through the lab agent. */
    GuestAgent.Reply sh(String script, Duration timeout) throws GuestAgent.Unreachable {
        return agent.run(script, timeout);
    }

    /** One look at the appliance ({@link NodeView}); null when its agent does not answer (off or booting). */
    NodeView view() {
        try {
            GuestAgent.Reply r = agent.run(Resources.text("view.sh"), Duration.ofSeconds(15));
            return NodeView.parse(name, r.output());
        } catch (GuestAgent.Unreachable e) {
            return null;
        }
    }

    /** A command of QEMU's monitor (the machine must be on). */
    String monitor(String command) throws IOException {
        return Monitor.command(dir.resolve("monitor.sock"), command);
    }

    /** The replication and heartbeat NIC's cable, pulled or plugged (both sides lose carrier). */
    void privateLink(boolean up) throws IOException {
        monitor("set_link hbnic " + (up ? "on" : "off"));
    }

    /** The last {@code n} lines of the serial console (kernel and journal). */
    String consoleTail(int n) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("console.log"), StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no console: " + e.getMessage() + ")";
        }
    }

    void stopBmc() {
        agent.close();
        probeAgent.close();
        if (bmc != null) {
            bmc.destroy();
            try {
                if (!bmc.waitFor(3, TimeUnit.SECONDS)) {
                    bmc.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The QEMU process if it runs (its PID file, checked against its command line), or -1. */
    long qemuPid() {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                    .map(ProcessHandle::pid).orElse(-1L);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Last resort at the end of a run: this appliance's QEMU, SIGKILLed by its PID. */
    void killQemu() {
        long pid = qemuPid();
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
