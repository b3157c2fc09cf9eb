package dev.palisade.supervisor.membership;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * This node's incarnation: a number that only grows across restarts, whatever the wall clock says (an appliance
 * without an RTC battery, or before NTP synced, boots with its clock behind; an incarnation from the clock would
 * then look older than the last one and the peer would refuse it for good). A boot counter in the state
 * directory, written and synced to disk before the first frame goes out. A fresh state directory starts from
 * the wall clock in seconds, so that a node whose disk was replaced still comes back above its old counter.
 */
public final class Incarnation {
    static final String FILE = "incarnation";

    private Incarnation() {
    }

    /**
     * The incarnation that follows {@code previous} (-1: none recorded): one more, whatever the clock says; a
     * fresh start begins at the wall clock in seconds.
     */
    public static long after(long previous, long wallMillis) {
        return previous < 0 ? Math.max(1, wallMillis / 1000) : previous + 1;
    }

    /** The next incarnation, recorded durably in {@code stateDir} before it is returned. */
    public static long next(Path stateDir, long wallMillis) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        long previous = -1;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            try {
                previous = Long.parseLong(text);
                if (previous < 0 || previous == Long.MAX_VALUE) {
                    throw new NumberFormatException(text);
                }
            } catch (NumberFormatException e) {
                throw new IOException(file + " holds '" + text + "', not a boot counter; if the state directory was"
                        + " damaged, remove the file (the counter restarts from the clock)");
            }
        }
        long next = after(previous, wallMillis);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((next + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(stateDir, StandardOpenOption.READ)) {
            dir.force(true); // the rename itself reaches the disk
        }
        return next;
    }
}
