package dev.palisade.fence.testing;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Reads what the code under test logged (tinylog-test.properties writes it to target/palisade-test.log). */
public final class LogTail {
    public static final Path FILE = Path.of("target/palisade-test.log");

    private LogTail() {
    }

    /** The current end of the log; pass it to {@link #since} or {@link #await}. */
    public static long mark() {
        try {
            return Files.exists(FILE) ? Files.size(FILE) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    public static String since(long mark) {
        try (RandomAccessFile f = new RandomAccessFile(FILE.toFile(), "r")) {
            long len = f.length();
            if (len <= mark) {
                return "";
            }
            byte[] b = new byte[(int) (len - mark)];
            f.seek(mark);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until a line containing every fragment was logged after {@code mark}; returns that line. */
    public static String await(long mark, Duration timeout, String... fragments) throws InterruptedException {
        long deadline = System.nanoTime() + TestTime.scaled(timeout).toNanos();
        while (true) {
            for (String line : since(mark).split("\n")) {
                boolean all = true;
                for (String f : fragments) {
                    all &= line.contains(f);
                }
                if (all) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with " + String.join(" + ", fragments) + " in:\n" + since(mark));
            }
            Thread.sleep(10);
        }
    }
}
