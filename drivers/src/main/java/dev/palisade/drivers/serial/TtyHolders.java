package dev.palisade.drivers.serial;

import dev.palisade.drivers.platform.Procs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which processes hold a serial device open, read from /proc (what {@code fuser} does): a getty left on the
 * heartbeat's serial port answers the peer's frames with login prompts and reads them as user names, so the link
 * carries noise and a cable that works looks broken. Local and bounded (one readlink per open descriptor); a
 * process that exits while it is read is skipped.
 */
public final class TtyHolders {
    /** Programs that own a terminal line for logins. */
    private static final Set<String> GETTYS = Set.of("agetty", "getty", "mingetty", "mgetty", "uugetty", "fbgetty");

    /** One process with the device open: its PID and its command name ({@code /proc/PID/comm}). */
    public record Holder(long pid, String command) {
        /** Whether it is a getty (a login prompt on the line). */
        public boolean getty() {
            return GETTYS.contains(command.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return command + " (pid " + pid + ")";
        }
    }

    private TtyHolders() {
    }

    /** The gettys, other than this process, that hold {@code device} open. */
    public static List<Holder> gettys(Path device) throws IOException {
        return of(device, ProcessHandle.current().pid()).stream().filter(Holder::getty).toList();
    }

    /** The systemd unit that starts a getty on {@code device}: what to mask ({@code serial-getty@ttyS1.service}). */
    public static String gettyUnit(Path device) throws IOException {
        return "serial-getty@" + device.toRealPath().getFileName() + ".service";
    }

    /** Every process but {@code exceptPid} that has {@code device} (or what it links to) open. */
    public static List<Holder> of(Path device, long exceptPid) throws IOException {
        String target = device.toRealPath().toString();
        List<Holder> out = new ArrayList<>();
        for (Path proc : Procs.all()) {
            long pid = Procs.pid(proc);
            if (pid != exceptPid && Procs.openFiles(proc).contains(target)) {
                out.add(new Holder(pid, Procs.comm(proc)));
            }
        }
        return List.copyOf(out);
    }
}
