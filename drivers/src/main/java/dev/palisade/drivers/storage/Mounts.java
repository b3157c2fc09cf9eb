package dev.palisade.drivers.storage;

import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.drivers.platform.Procs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Mounting and unmounting a block device (or an image file, through a loop device) with deadlines, what is
 * mounted where (from /proc/self/mountinfo), and who holds a mount busy (open files, working directories,
 * roots, mapped files, executables under it, from /proc). It never kills anything: a busy mount is reported
 * with its holders, for the caller to decide.
 */
public final class Mounts {
    private Mounts() {
    }

    /** One process that keeps a mount busy, and how. */
    public record Holder(long pid, String command, String how) {
        @Override
        public String toString() {
            return "pid " + pid + " (" + command + ") " + how;
        }
    }

    /** A mount that could not be done or undone; holders are named when it is busy. */
    public static final class MountException extends IOException {
        private final List<Holder> holders;

        public MountException(String message, List<Holder> holders) {
            super(message);
            this.holders = List.copyOf(holders);
        }

        public List<Holder> holders() {
            return holders;
        }
    }

    /** The source mounted on {@code dir} (the device or loop device), if something is. */
    public static Optional<String> sourceAt(Path dir) throws IOException {
        String target = dir.toRealPath().toString();
        for (Entry e : entries()) {
            if (e.mountPoint().equals(target)) {
                return Optional.of(e.source() == null ? "?" : e.source());
            }
        }
        return Optional.empty();
    }

    /** Where {@code source} is mounted (the mount points, in mount order). */
    public static List<Path> mountPointsOf(String source) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Entry e : entries()) {
            if (source.equals(e.source())) {
                out.add(Path.of(e.mountPoint()));
            }
        }
        return out;
    }

    /** One line of /proc/self/mountinfo: where, and what (null when the line does not say). */
    private record Entry(String mountPoint, String source) {
    }

    private static List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length > 4 && dash > 0) {
                String[] tail = line.substring(dash + 3).split(" ");
                out.add(new Entry(unescape(f[4]), tail.length > 1 ? unescape(tail[1]) : null));
            }
        }
        return out;
    }

    /** The image file behind a loop device such as /dev/loop3, if it is one. */
    public static Optional<String> loopBackingFile(String device) {
        if (!device.startsWith("/dev/loop")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(Path.of("/sys/block", device.substring(5), "loop", "backing_file"))
                    .trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Mounts {@code device} on {@code dir} ({@code options} may be null); an image file gets a loop device. */
    public static void mount(Path device, Path dir, String fstype, String options, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("mount", "-t", fstype));
        String opts = options == null ? "" : options;
        if (Files.isRegularFile(device)) {
            opts = opts.isEmpty() ? "loop" : opts + ",loop";
        }
        if (!opts.isEmpty()) {
            cmd.addAll(List.of("-o", opts));
        }
        cmd.add(device.toString());
        cmd.add(dir.toString());
        String out = run(cmd, timeout);
        if (out != null) {
            throw new MountException("mount " + device + " on " + dir + " failed: " + out, List.of());
        }
    }

    /** Unmounts {@code dir}; a busy mount fails with its holders named and nothing killed. */
    public static void umount(Path dir, Duration timeout) throws IOException {
        String out = run(List.of("umount", dir.toString()), timeout);
        if (out == null) {
            return;
        }
        List<Holder> holders = holders(dir);
        throw new MountException("umount " + dir + " failed: " + out + (holders.isEmpty() ? ""
                : "; held by " + String.join(", ", holders.stream().map(Holder::toString).toList())), holders);
    }

    /** Processes with a working directory, root, executable, open file or mapped file under {@code dir}. */
    public static List<Holder> holders(Path dir) throws IOException {
        String prefix = dir.toRealPath().toString();
        List<Holder> out = new ArrayList<>();
        for (Path p : Procs.all()) {
            long pid = Procs.pid(p);
            Set<String> how = new LinkedHashSet<>();
            for (String link : List.of("cwd", "root", "exe")) {
                if (under(Procs.readLink(p.resolve(link)), prefix)) {
                    how.add(link.equals("cwd") ? "working directory" : link);
                }
            }
            for (String t : Procs.openFiles(p)) {
                if (under(t, prefix)) {
                    how.add("open " + t);
                }
            }
            try {
                for (String m : Files.readAllLines(p.resolve("maps"), StandardCharsets.UTF_8)) {
                    int slash = m.indexOf('/');
                    if (slash > 0 && under(m.substring(slash), prefix)) {
                        how.add("maps " + m.substring(slash));
                    }
                }
            } catch (IOException gone) {
                // exited
            }
            if (!how.isEmpty()) {
                out.add(new Holder(pid, Procs.comm(p), String.join(", ", how)));
            }
        }
        return out;
    }

    private static boolean under(String path, String prefix) {
        return path != null && (path.equals(prefix) || path.startsWith(prefix + "/"));
    }

    /** Runs a command with a deadline; null when it succeeded, else what it printed (or that it hung). */
    private static String run(List<String> cmd, Duration timeout) throws IOException {
        ProcessRun.Result r = ProcessRun.run(cmd, null, timeout);
        if (r.timedOut()) {
            return cmd.get(0) + " did not finish within " + timeout.toMillis() + " ms";
        }
        return r.exit() == 0 ? null : (r.output().isEmpty() ? "exit " + r.exit() : r.output());
    }
}
