package dev.palisade.supervisor.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two membership processes, pf1 and pf2, in two network namespaces joined by a veth pair (the UDP link)
 * and by a socat pseudo-terminal pair (the null-modem cable), keepalive 100 ms, deadtime 500 ms.
 */
class MembershipAcceptanceTest {
    @TempDir
    Path dir;
    final List<String> namespaces = new ArrayList<>();
    final List<DaemonProcess> processes = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (DaemonProcess p : processes) {
            p.close();
        }
        for (String ns : namespaces) {
            Commands.run(5000, "ip", "netns", "del", ns);
        }
    }

    private void sh(String... cmd) throws Exception {
        Commands.Result r = Commands.run(5000, cmd);
        assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r);
    }

    private Path conf(String node, String peer, String tty, String peerIp, Path key) throws Exception {
        return Fixtures.write(dir.resolve(node + ".conf"), """
                supervisor { node = "%s"; peer = "%s"; keepalive = "100ms"; warntime = "300ms"; deadtime = "500ms"; initdead = "5s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links {
                  serial { device = "%s"; baud = "19200"; }
                  udp { interface = "hbv-%s"; peer = "%s"; port = "694"; }
                }
                """.formatted(node, peer, dir.resolve("state-" + node), key, tty, node, peerIp));
    }

    private static List<String> membership(Path conf) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-XX:+UseSerialGC", "-Dtinylog.configuration=tinylog.properties", "-cp",
                System.getProperty("java.class.path"), "dev.palisade.supervisor.cli.Palisade", "membership", "-f",
                conf.toString());
    }

    private static String awaitLog(DaemonProcess p, long timeoutMs, String fragment) throws Exception {
        long deadline = System.nanoTime() + TestTime.millis(timeoutMs) * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (String line : p.log().split("\n")) {
                if (line.contains(fragment)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + fragment + "' in:\n" + p.log());
    }

    private static final Pattern TIME = Pattern.compile("^\\S+ (\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d)");

    private static LocalTime timeOf(String line) {
        Matcher m = TIME.matcher(line);
        assertTrue(m.find(), line);
        return LocalTime.parse(m.group(1), DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
    }

    private String ns1;
    private String ns2;

    /** Two namespaces joined by a veth pair hbv-pf1 (10.77.9.1) <-> hbv-pf2 (10.77.9.2). */
    private void network() throws Exception {
        String suffix = String.valueOf(ProcessHandle.current().pid());
        ns1 = "hb1-" + suffix;
        ns2 = "hb2-" + suffix;
        for (String ns : List.of(ns1, ns2)) {
            Commands.run(5000, "ip", "netns", "del", ns);
            sh("ip", "netns", "add", ns);
            namespaces.add(ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        sh("ip", "link", "add", "hbv-pf1", "netns", ns1, "type", "veth", "peer", "name", "hbv-pf2", "netns", ns2);
        sh("ip", "-n", ns1, "addr", "add", "10.77.9.1/24", "brd", "10.77.9.255", "dev", "hbv-pf1");
        sh("ip", "-n", ns2, "addr", "add", "10.77.9.2/24", "brd", "10.77.9.255", "dev", "hbv-pf2");
        sh("ip", "-n", ns1, "link", "set", "hbv-pf1", "up");
        sh("ip", "-n", ns2, "link", "set", "hbv-pf2", "up");
    }

    private DaemonProcess cable(Path ttyA, Path ttyB, String log) throws Exception {
        DaemonProcess cable = DaemonProcess.nullModem(ttyA, ttyB, dir.resolve(log));
        processes.add(cable);
        return cable;
    }

    @Test
    void multicastAndBroadcastLinksAndACablePluggedBackIn() throws Exception {
        network();
        Path ttyA = dir.resolve("ttyA");
        Path ttyB = dir.resolve("ttyB");
        DaemonProcess cable = cable(ttyA, ttyB, "cable1.log");
        Path key = Fixtures.key(dir, "cluster.key");
        String links = """
                  serial { device = "%s"; }
                  udp { interface = "hbv-%s"; group = "239.77.0.1"; port = "695"; }
                  udp { interface = "hbv-%s"; broadcast = "10.77.9.255"; port = "696"; }
                """;
        List<DaemonProcess> nodes = new ArrayList<>();
        for (String[] n : new String[][] {{"pf1", "pf2", ttyA.toString(), ns1}, {"pf2", "pf1", ttyB.toString(), ns2}}) {
            Path c = Fixtures.write(dir.resolve(n[0] + "-m.conf"), """
                    supervisor { node = "%s"; peer = "%s"; keepalive = "100ms"; deadtime = "500ms"; initdead = "5s";
                                 state_dir = "%s"; }
                    auth { key_file = "%s"; }
                    links {
                    %s}
                    """.formatted(n[0], n[1], dir.resolve("state-" + n[0]), key, links.formatted(n[2], n[0], n[0])));
            DaemonProcess p = DaemonProcess.start(concat(List.of("ip", "netns", "exec", n[3]), membership(c)),
                    dir.resolve(n[0] + "-m.log"));
            processes.add(p);
            nodes.add(p);
        }
        for (DaemonProcess p : nodes) {
            awaitLog(p, 20_000, "link up udp hbv-" );
            awaitLog(p, 20_000, "239.77.0.1:695: frames arrive");
            awaitLog(p, 20_000, "10.77.9.255:696: frames arrive");
            awaitLog(p, 20_000, "link up serial");
        }
        cable.terminate(5000);
        awaitLog(nodes.get(1), 5000, "link down serial");
        int ups = countLines(nodes.get(1), "link up serial");
        cable(ttyA, ttyB, "cable2.log"); // plugged back in: a new pty pair at the same paths
        long deadline = System.nanoTime() + TestTime.millis(15_000) * 1_000_000;
        while (countLines(nodes.get(1), "link up serial") == ups && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(countLines(nodes.get(1), "link up serial") > ups, "the serial link came back:\n" + nodes.get(1).log());
        assertFalse(nodes.get(1).log().contains("peer pf1 dead"), nodes.get(1).log());
    }

    private static int countLines(DaemonProcess p, String fragment) throws Exception {
        return (int) p.log().lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void deathIsDetectedWithinDeadtimeAndNothingElseKillsThePeer() throws Exception {
        network();
        Path ttyA = dir.resolve("ttyA");
        Path ttyB = dir.resolve("ttyB");
        DaemonProcess cable = cable(ttyA, ttyB, "cable.log");
        Path key = Fixtures.key(dir, "cluster.key");
        DaemonProcess pf1 = DaemonProcess.start(concat(List.of("ip", "netns", "exec", ns1),
                membership(conf("pf1", "pf2", ttyA.toString(), "10.77.9.2", key))), dir.resolve("pf1.log"));
        processes.add(pf1);
        DaemonProcess pf2 = DaemonProcess.start(concat(List.of("ip", "netns", "exec", ns2),
                membership(conf("pf2", "pf1", ttyB.toString(), "10.77.9.1", key))), dir.resolve("pf2.log"));
        processes.add(pf2);
        for (DaemonProcess p : List.of(pf1, pf2)) {
            awaitLog(p, 20_000, "alive");
            awaitLog(p, 20_000, "link up serial");
            awaitLog(p, 20_000, "link up udp");
        }

        // garbage on both links, and frames that are authentic but replayed or from an old incarnation
        HeartbeatFrame.Key hk = new HeartbeatFrame.Key(FenceKey.load(key).bytes());
        Path stale = dir.resolve("stale.bin");
        Files.write(stale, new HeartbeatFrame(new HeartbeatFrame.Status(0, 1, 0, 0, false, false), "pf1", 1, 5, 0, 100, 500).encode(hk));
        Matcher inc = Pattern.compile("incarnation (\\d+)").matcher(awaitLog(pf1, 5000, "incarnation"));
        assertTrue(inc.find());
        Path replayed = dir.resolve("replayed.bin");
        Files.write(replayed, new HeartbeatFrame(new HeartbeatFrame.Status(0, 1, 0, 0, false, false), "pf1", Long.parseLong(inc.group(1)), 1, 0, 100, 500).encode(hk));
        Path garbage = dir.resolve("garbage.bin");
        Files.write(garbage, java.security.SecureRandom.getInstanceStrong().generateSeed(400));
        for (int i = 0; i < 5; i++) {
            sh("ip", "netns", "exec", ns1, "bash", "-c", "cat " + garbage + " > /dev/udp/10.77.9.2/694");
            sh("ip", "netns", "exec", ns1, "bash", "-c", "cat " + stale + " > /dev/udp/10.77.9.2/694");
            sh("ip", "netns", "exec", ns1, "bash", "-c", "cat " + replayed + " > /dev/udp/10.77.9.2/694");
            sh("bash", "-c", "cat " + garbage + " " + replayed + " > " + ttyA);
            Thread.sleep(50);
        }
        awaitLog(pf2, 5000, "frame rejected");
        awaitLog(pf2, 5000, "older incarnation of pf1 refused");
        awaitLog(pf2, 5000, "udp hbv-pf2 10.77.9.1:694: replayed frame from pf1 refused");
        awaitLog(pf2, 5000, "ttyB: replayed frame from pf1 refused");
        Thread.sleep(TestTime.millis(1000));
        assertFalse(pf2.log().contains("peer pf1 dead"), "no false death from garbage:\n" + pf2.log());

        // pull the serial cable: a link-down warning on both sides, no death
        cable.terminate(5000);
        awaitLog(pf2, 5000, "link down serial");
        awaitLog(pf1, 5000, "link down serial");
        Thread.sleep(TestTime.millis(1500));
        assertFalse(pf1.log().contains("peer pf2 dead") || pf2.log().contains("peer pf1 dead"),
                "a single silent link is not a death:\n" + pf2.log());

        // kill -9 pf1: pf2 declares it dead within deadtime plus a small bound
        long killed = System.nanoTime();
        LocalTime killedAt = LocalTime.now();
        pf1.process().destroyForcibly();
        String dead = awaitLog(pf2, 5000, "peer pf1 dead");
        long observedMs = (System.nanoTime() - killed) / 1_000_000;
        long loggedMs = java.time.Duration.between(killedAt, timeOf(dead)).toMillis();
        assertTrue(loggedMs >= 400 && loggedMs <= 500 + TestTime.millis(300),
                "death logged " + loggedMs + " ms after the kill (deadtime 500 ms); seen after " + observedMs + " ms: " + dead);
        assertTrue(dead.contains("udp") && dead.contains("last frame seq"), dead);
        System.out.println("membership acceptance: kill -9 to 'peer dead' logged in " + loggedMs + " ms (deadtime 500 ms)");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
