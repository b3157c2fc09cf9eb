package dev.palisade.drivers.platform;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes of this machine as /proc shows them, for the checks that ask who holds something (a mount, a
 * serial port): what {@code fuser} reads. A process that exits while it is read is simply not there.
 */
public final class Procs {
    private Procs() {
    }

    /** Every process's /proc directory ({@code /proc/PID}). */
    public static List<Path> all() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .matches("[0-9]+"))) {
            procs.forEach(out::add);
        }
        return out;
    }

    /** The PID of a /proc directory. */
    public static long pid(Path proc) {
        return Long.parseLong(proc.getFileName().toString());
    }

    /** Its command name ({@code /proc/PID/comm}), or "?" when it is gone. */
    public static String comm(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** What a link of it ({@code cwd}, {@code fd/3}...) points to, or null when it cannot be read. */
    public static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** What each of its open descriptors points to (those that can be read); empty when it is gone or not ours. */
    public static List<String> openFiles(Path proc) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                String t = readLink(fd);
                if (t != null) {
                    out.add(t);
                }
            }
        } catch (IOException e) {
            // exited, or its descriptors are not ours to read
        }
        return out;
    }
}
