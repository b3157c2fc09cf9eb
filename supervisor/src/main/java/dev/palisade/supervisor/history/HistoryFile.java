package dev.palisade.supervisor.history;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One history file in the state directory, bounded and rotated: lines are appended (and synced, so a record
 * survives a power cut right after the transition) until the file would pass {@code maxBytes}; then it becomes
 * {@code NAME.1} (replacing the older one) and a new file starts. At most twice {@code maxBytes} on disk, and
 * reading back always finds the newest records. Used by one thread at a time: the history's writer, or the
 * start-up before it runs.
 */
final class HistoryFile implements AutoCloseable {
    /** What was read back: the newest records, and how many lines were not records. */
    record Loaded(List<HistoryRecord> records, int skipped, String firstProblem) {
    }

    private final Path path;
    private final Path rotated;
    private final long maxBytes;
    private FileChannel out;
    private long size;

    HistoryFile(Path path, long maxBytes) {
        this.path = path;
        this.rotated = path.resolveSibling(path.getFileName() + ".1");
        this.maxBytes = maxBytes;
    }

    Path path() {
        return path;
    }

    /** The newest {@code keep} records of the rotated file and the current one, oldest first. */
    Loaded load(int keep) throws IOException {
        Deque<HistoryRecord> newest = new ArrayDeque<>();
        int[] skipped = {0};
        String[] first = {null};
        for (Path p : List.of(rotated, path)) {
            List<String> lines;
            try {
                // a garbled file is read as bytes: a record is ASCII apart from its texts, never a reason to stop
                lines = new String(Files.readAllBytes(p), StandardCharsets.UTF_8).lines().toList();
            } catch (NoSuchFileException none) {
                continue;
            }
            for (int i = 0; i < lines.size(); i++) {
                try {
                    newest.addLast(HistoryLine.parse(lines.get(i)));
                    if (newest.size() > keep) {
                        newest.removeFirst();
                    }
                } catch (HistoryLine.FormatException e) {
                    skipped[0]++;
                    if (first[0] == null) {
                        first[0] = p + ":" + (i + 1) + ": " + e.getMessage();
                    }
                }
            }
        }
        return new Loaded(new ArrayList<>(newest), skipped[0], first[0]);
    }

    /** Appends one line, rotating first when it would not fit. */
    void append(String line) throws IOException {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (out == null) {
            open();
        }
        if (size > 0 && size + b.length > maxBytes) {
            out.close();
            out = null;
            Files.move(path, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            open();
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        out.force(false);
        size += b.length;
    }

    private void open() throws IOException {
        out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = out.size();
        if (size > 0 && !endsWithNewline()) {
            // a line cut short by a crash: end it, so the next record starts on a line of its own
            out.write(ByteBuffer.wrap(new byte[] {'\n'}));
            size++;
        }
    }

    private boolean endsWithNewline() throws IOException {
        ByteBuffer last = ByteBuffer.allocate(1);
        try (FileChannel r = FileChannel.open(path, StandardOpenOption.READ)) {
            r.read(last, size - 1);
        }
        return last.get(0) == '\n';
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }
}
