package dev.palisade.supervisor.cluster.lab;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The acknowledgement file of {@link dev.palisade.supervisor.pair.RowWriter} ("n epochMillis" per committed row),
 * read incrementally: each call reads only what was appended since the last one, and a line still being written
 * is read whole next time.
 */
final class AckFile {
    private final Path file;
    private final TreeMap<Long, Long> acked = new TreeMap<>();
    private long read;

    AckFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    synchronized NavigableMap<Long, Long> acknowledged() throws IOException {
        if (Files.exists(file)) {
            byte[] fresh;
            try (FileChannel ch = FileChannel.open(file)) {
                ch.position(read);
                fresh = Channels.newInputStream(ch).readAllBytes();
            }
            int start = 0;
            for (int i = 0; i < fresh.length; i++) {
                if (fresh[i] == '\n') {
                    String[] f = new String(fresh, start, i - start, StandardCharsets.US_ASCII).split(" ");
                    if (f.length == 2) {
                        acked.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
                    }
                    start = i + 1;
                }
            }
            read += start;
        }
        return Collections.unmodifiableNavigableMap(acked);
    }
}
