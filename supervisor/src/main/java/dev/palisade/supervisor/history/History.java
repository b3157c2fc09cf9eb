package dev.palisade.supervisor.history;

import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.node.FatalHandler;
import dev.palisade.supervisor.node.NodeStatus;
import dev.palisade.supervisor.node.Recorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The transition and fence history that survives restarts: {@code events.log} and {@code fences.log} in the
 * state directory ({@link HistoryFile}: bounded, rotated), the newest {@value #KEEP} of each kind also in
 * memory for {@code ctl events}, {@code ctl fence-history}, {@code /status} and the console.
 *
 * <p>The node loop records through {@link Recorder}: the record joins the in-memory list and its line is handed
 * to the {@code history-writer} thread through a bounded queue, so the loop never waits for a disk (a full queue
 * drops the line from the file, counted and logged; memory still has it). The writer dying takes the process
 * down (the fatal handler); a write that fails (a full disk) is logged and the next line tried.
 */
public final class History implements Recorder, AutoCloseable {
    static final int KEEP = 1000;
    static final long MAX_FILE_BYTES = 512 * 1024;
    private static final int QUEUE = 4096;

    private record Pending(HistoryFile file, String line) {
    }

    private final long incarnation;
    private final HistoryFile eventsFile;
    private final HistoryFile fencesFile;
    private final Deque<HistoryRecord.Transition> events = new ArrayDeque<>();
    private final Deque<HistoryRecord.Fence> fences = new ArrayDeque<>();
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private long nextSeq;
    private volatile boolean closed;
    private long lastFailureLog;

    private History(Path dir, long incarnation, long maxFileBytes, FatalHandler fatal) throws IOException {
        this.incarnation = incarnation;
        Files.createDirectories(dir);
        this.eventsFile = new HistoryFile(dir.resolve("events.log"), maxFileBytes);
        this.fencesFile = new HistoryFile(dir.resolve("fences.log"), maxFileBytes);
        long seq = 0;
        for (HistoryFile f : List.of(eventsFile, fencesFile)) {
            HistoryFile.Loaded l = f.load(KEEP);
            if (l.skipped() > 0) {
                Logger.warn("history: {} line(s) of {} are not records and were skipped (first: {})", l.skipped(),
                        f.path(), l.firstProblem());
            }
            for (HistoryRecord r : l.records()) {
                seq = Math.max(seq, r.seq());
                if (r instanceof HistoryRecord.Transition t) {
                    events.addLast(t);
                } else {
                    fences.addLast((HistoryRecord.Fence) r);
                }
            }
        }
        this.nextSeq = seq + 1;
        this.writer = new Thread(this::write, "history-writer");
        writer.setDaemon(true);
        writer.setUncaughtExceptionHandler((t, e) -> fatal.die(t.getName(), e));
        writer.start();
    }

    /** Opens (and reads back) the history in {@code stateDir}; this run's records carry {@code incarnation}. */
    public static History open(Path stateDir, long incarnation, FatalHandler fatal) throws IOException {
        return new History(stateDir, incarnation, MAX_FILE_BYTES, fatal);
    }

    /** As {@link #open} with a smaller file bound (tests of the rotation). */
    static History open(Path stateDir, long incarnation, long maxFileBytes, FatalHandler fatal) throws IOException {
        return new History(stateDir, incarnation, maxFileBytes, fatal);
    }

    @Override
    public void transition(NodeStatus.Transition t) {
        HistoryRecord.Transition r;
        synchronized (this) {
            r = new HistoryRecord.Transition(nextSeq++, t.atMillis(), incarnation, t.from(), t.to(), t.reason());
            add(events, r);
        }
        hand(eventsFile, r);
    }

    @Override
    public void fenced(FenceCoordinator.Outcome o, long atMillis) {
        HistoryRecord.Fence r;
        synchronized (this) {
            r = fenceRecord(nextSeq++, atMillis, o);
            add(fences, r);
        }
        hand(fencesFile, r);
    }

    /** A fence outcome as the history keeps it. */
    static HistoryRecord.Fence fenceRecord(long seq, long atMillis, FenceCoordinator.Outcome o) {
        LinkedHashSet<String> devices = new LinkedHashSet<>();
        FenceCoordinator.Step failed = null;
        for (FenceCoordinator.Step s : o.steps()) {
            if (s.level() > 0 && !s.device().isEmpty()) {
                devices.add(s.device());
            }
            if (!s.ok()) {
                failed = s;
            }
        }
        HistoryRecord.Result result = o.fenced() ? HistoryRecord.Result.FENCED : o.cancelled()
                ? HistoryRecord.Result.CANCELLED : HistoryRecord.Result.FAILED;
        String detail = result == HistoryRecord.Result.FAILED && failed != null ? failed.toString() : o.summary();
        return new HistoryRecord.Fence(seq, atMillis, o.node(), result, o.level(), o.millis(),
                new ArrayList<>(devices), detail);
    }

    private static <T> void add(Deque<T> d, T r) {
        d.addLast(r);
        while (d.size() > KEEP) {
            d.removeFirst();
        }
    }

    private void hand(HistoryFile f, HistoryRecord r) {
        if (!queue.offer(new Pending(f, HistoryLine.encode(r)))) {
            if (dropped.incrementAndGet() == 1) {
                Logger.error("history: the writer is behind ({} lines queued): records are kept in memory but not"
                        + " written to {}", QUEUE, f.path());
            }
        }
    }

    private void write() {
        while (!closed || !queue.isEmpty()) {
            Pending p;
            try {
                p = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
                continue;
            }
            if (p == null) {
                continue;
            }
            try {
                p.file().append(p.line());
            } catch (IOException e) {
                long now = System.nanoTime();
                if (lastFailureLog == 0 || now - lastFailureLog > 60_000_000_000L) {
                    lastFailureLog = now;
                    Logger.error("history: cannot write {}: {} (records are kept in memory; the next is tried)",
                            p.file().path(), e.getMessage());
                }
            }
        }
    }

    /** The newest {@code n} transitions, oldest first. */
    public synchronized List<HistoryRecord.Transition> lastEvents(int n) {
        return last(events, n);
    }

    /** Every transition numbered after {@code seq} (at most {@value #KEEP}), oldest first. */
    public synchronized List<HistoryRecord.Transition> eventsSince(long seq) {
        List<HistoryRecord.Transition> out = new ArrayList<>();
        for (HistoryRecord.Transition t : events) {
            if (t.seq() > seq) {
                out.add(t);
            }
        }
        return out;
    }

    /** The newest {@code n} fences, oldest first. */
    public synchronized List<HistoryRecord.Fence> lastFences(int n) {
        return last(fences, n);
    }

    private static <T> List<T> last(Deque<T> d, int n) {
        List<T> all = new ArrayList<>(d);
        return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
    }

    /** Lines the writer could not take (a disk far behind). */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what is queued (at most 5 s), then stops the writer. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            eventsFile.close();
            fencesFile.close();
        } catch (IOException e) {
            Logger.warn("history: {}", e.getMessage());
        }
    }
}
