package dev.palisade.fence.testing;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A daemon the test started (ours or a real peer), stopped by its own PID only. */
public final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DaemonProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static DaemonProcess start(List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return new DaemonProcess(pb.start(), log);
    }

    /**
     * A null-modem cable: the stock socat joining two pseudo-terminals that appear as {@code ttyA} and
     * {@code ttyB}; returns once both exist (10 s at most, scaled).
     */
    public static DaemonProcess nullModem(Path ttyA, Path ttyB, Path log) throws IOException, InterruptedException {
        DaemonProcess cable = start(List.of(Commands.require("socat"), "PTY,link=" + ttyA + ",raw,echo=0",
                "PTY,link=" + ttyB + ",raw,echo=0"), log);
        long deadline = System.nanoTime() + TestTime.scaled(java.time.Duration.ofSeconds(10)).toNanos();
        while (!(Files.exists(ttyA) && Files.exists(ttyB))) {
            if (System.nanoTime() > deadline) {
                cable.close();
                throw new IOException("socat made no pty pair at " + ttyA + " and " + ttyB + ": " + cable.log());
            }
            Thread.sleep(20);
        }
        return cable;
    }

    /** The command line that runs our fence daemon from the test classpath, logging as in production. */
    public static List<String> ourFenceDaemon(Path conf, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-Dtinylog.configuration=tinylog.properties",
                "-cp", System.getProperty("java.class.path"),
                "dev.palisade.fence.FenceDaemonMain", "-F", "-f", conf.toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** The command line that runs our fence agent (fence_palisade) from the test classpath. */
    public static List<String> ourFenceAgent(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "dev.palisade.fence.agent.FencePalisade"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Sends SIGTERM and returns how many milliseconds the process took to exit (fails past the limit). */
    public long terminate(long limitMs) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(TestTime.millis(limitMs), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            return Long.MAX_VALUE;
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
