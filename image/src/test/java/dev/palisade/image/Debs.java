package dev.palisade.image;

import dev.palisade.drivers.testing.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The two packages this module built, and what the package tests ask of dpkg and of their files. */
final class Debs {
    static final String APPLIANCE = "palisade";
    static final String GATEWAY = "palisade-fence-gateway";
    static final List<String> BOTH = List.of(APPLIANCE, GATEWAY);

    private Debs() {
    }

    static Path imageDir() {
        return Path.of(System.getProperty("palisade.image.dir", "target")).toAbsolutePath();
    }

    /** 0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT: a snapshot sorts before its release. */
    static String debianVersion() {
        return System.getProperty("palisade.version", "0.1.0-SNAPSHOT").replaceFirst("-", "~");
    }

    static Path deb(String pkg) {
        Path p = imageDir().resolve(pkg + "_" + debianVersion() + "_amd64.deb");
        if (!Files.exists(p)) {
            throw new AssertionError(p + " is missing: the package phase (src/deb/build-debs.sh) did not make it");
        }
        return p;
    }

    static Commands.Result run(long timeoutMs, String... cmd) throws IOException, InterruptedException {
        return Commands.run(timeoutMs, cmd);
    }

    /** Runs a command that must succeed; returns its standard output. */
    static String ok(long timeoutMs, String... cmd) throws IOException, InterruptedException {
        Commands.Result r = Commands.run(timeoutMs, cmd);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + r);
        }
        return r.stdout();
    }

    static boolean installed(String pkg) throws IOException, InterruptedException {
        return run(30_000, "dpkg-query", "-W", "-f=${db:Status-Status}", pkg).stdout().strip().equals("installed");
    }

    /** Purges both packages when present (a run that failed half-way leaves them installed). */
    static void purgeBoth() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--purge"));
        for (String p : BOTH) {
            String status = run(30_000, "dpkg-query", "-W", "-f=${db:Status-Abbrev}", p).stdout().strip();
            if (!status.isEmpty() && !status.startsWith("un") && !status.startsWith("pn")) {
                cmd.add(p);
            }
        }
        if (cmd.size() > 2) {
            ok(300_000, cmd.toArray(String[]::new));
        }
    }

    /** The value of {@code key=} in a unit file's text (the last one wins, as in systemd), if set. */
    static Optional<String> unitValue(String unit, String key) {
        String found = null;
        for (String line : unit.split("\n")) {
            String l = line.strip();
            if (l.startsWith(key + "=")) {
                found = l.substring(key.length() + 1).strip();
            }
        }
        return Optional.ofNullable(found);
    }

    /** systemd's time span of {@code WatchdogSec=} and friends, in milliseconds ("10s", "500ms", "2min"). */
    static long spanMillis(String span) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|min)?").matcher(span.strip());
        if (!m.matches()) {
            throw new AssertionError("unsupported time span '" + span + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> n;
            case "min" -> n * 60_000;
            default -> n * 1000;
        };
    }
}
