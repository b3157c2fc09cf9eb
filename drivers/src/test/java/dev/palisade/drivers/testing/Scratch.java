package dev.palisade.drivers.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch files of tests and benchmarks: a real ext4 image, and removing a directory tree. */
public final class Scratch {
    private Scratch() {
    }

    /** A sparse file of {@code mib} MiB at {@code img}, formatted ext4 by the stock mkfs.ext4. */
    public static Path ext4Image(Path img, long mib) throws IOException, InterruptedException {
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(mib << 20);
        }
        Commands.Result r = Commands.run(60_000, Commands.require("mkfs.ext4"), "-q", "-F", img.toString());
        if (r.exit() != 0) {
            throw new IOException("mkfs.ext4 " + img + ": " + r);
        }
        return img;
    }

    /** Deletes {@code dir} and everything under it (a missing one is fine). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
