package dev.palisade.drivers.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real program (stock fence_virt, fence_xvm, ip) with a deadline and captures what it printed. */
public final class Commands {
    private Commands() {
    }

    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + stdout + "stderr:\n" + stderr;
        }
    }

    public static Result run(long timeoutMs, String... cmd) throws IOException, InterruptedException {
        return run(timeoutMs, List.of(cmd));
    }

    public static Result run(long timeoutMs, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        java.io.File out = java.io.File.createTempFile("cmd", ".out");
        java.io.File err = java.io.File.createTempFile("cmd", ".err");
        try {
            pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(TestTime.millis(timeoutMs), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeoutMs + " ms: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), read(out), read(err));
        } finally {
            out.delete();
            err.delete();
        }
    }

    /** Fails the test when a program the suite needs is missing (make test installs them). */
    public static String require(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return program;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            if (new java.io.File(dir, program).canExecute()) {
                return dir + "/" + program;
            }
        }
        throw new AssertionError(program + " is not installed; run 'make deps' (make test does)");
    }

    public static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    private static String read(java.io.File f) throws IOException {
        return new String(java.nio.file.Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }
}
