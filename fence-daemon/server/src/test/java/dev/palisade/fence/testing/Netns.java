package dev.palisade.fence.testing;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace a test creates and deletes: loopback up, with a multicast route so groups work on
 * {@code lo}. Nothing a test sends inside it can leave the machine.
 */
public final class Netns implements AutoCloseable {
    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    public static Netns create(String prefix) throws IOException, InterruptedException {
        String name = prefix + "-" + ProcessHandle.current().pid();
        Commands.run(5000, "ip", "netns", "del", name);
        check(Commands.run(5000, "ip", "netns", "add", name));
        Netns ns = new Netns(name);
        check(Commands.run(5000, "ip", "-n", name, "link", "set", "lo", "up"));
        check(Commands.run(5000, "ip", "-n", name, "route", "add", "224.0.0.0/4", "dev", "lo"));
        return ns;
    }

    public String name() {
        return name;
    }

    /** The command prefixed with {@code ip netns exec NAME} (which execs, so the PID is the program's). */
    public List<String> exec(List<String> cmd) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
        out.addAll(cmd);
        return out;
    }

    public Commands.Result run(long timeoutMs, List<String> cmd) throws IOException, InterruptedException {
        return Commands.run(timeoutMs, exec(cmd));
    }

    /** Waits until something listens on the port (TCP or UDP) inside the namespace. */
    public void awaitPort(int port, boolean udp, Process owner, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TestTime.millis(timeoutMs) * 1_000_000;
        while (System.nanoTime() < deadline) {
            Commands.Result r = run(5000, List.of("ss", "-Hln" + (udp ? "u" : "t"), "sport = :" + port));
            if (!r.stdout().isBlank()) {
                return;
            }
            if (!owner.isAlive()) {
                throw new AssertionError("daemon exited with " + owner.exitValue() + " before binding port " + port);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing bound port " + port + " in " + name);
    }

    private static void check(Commands.Result r) {
        if (r.exit() != 0) {
            throw new AssertionError("network namespace setup failed: " + r);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Commands.run(5000, "ip", "netns", "del", name);
    }
}
