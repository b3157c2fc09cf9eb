package dev.palisade.acceptance.drbd;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the clients did, Jepsen-style: every write is an INVOKE followed by its completion, OK (the server
 * acknowledged it), FAIL (it certainly did not happen: never sent, or refused) or INFO (unknown: the connection
 * broke or timed out after it was sent). Each key is written once, by one process. Alongside, samples of each
 * appliance's DRBD role. Times are the host's {@link System#nanoTime()}; the history is also written, line by line,
 * to a file beside the run.
 */
final class History implements AutoCloseable {
    enum Type { INVOKE, OK, FAIL, INFO }

    /** One event of one operation: {@code process} wrote {@code key} into {@code table}. */
    record Op(String process, String table, long key, Type type, long nanos, String detail) {
    }

    /** Appliance {@code node} reported DRBD role {@code role} at some moment between the two times. */
    record RoleSample(String node, long invokeNanos, long completeNanos, String role) {
    }

    private final List<Op> ops = new ArrayList<>();
    private final List<RoleSample> roles = new ArrayList<>();
    private final Map<String, AtomicLong> okCount = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastOk = new ConcurrentHashMap<>();
    private final BufferedWriter log;

    History(Path file) throws IOException {
        this.log = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    synchronized void add(String process, String table, long key, Type type, String detail) {
        long now = System.nanoTime();
        Op op = new Op(process, table, key, type, now, detail);
        ops.add(op);
        if (type == Type.OK) {
            okCount.computeIfAbsent(table, t -> new AtomicLong()).incrementAndGet();
            lastOk.computeIfAbsent(table, t -> new AtomicLong()).set(now);
        }
        if (log != null) {
            try {
                log.write(now + " " + process + " " + table + " " + key + " " + type + (detail == null ? "" : " " + detail)
                        + "\n");
            } catch (IOException ignored) {
                // the in-memory history is what is checked
            }
        }
    }

    synchronized void role(String node, long invokeNanos, long completeNanos, String role) {
        roles.add(new RoleSample(node, invokeNanos, completeNanos, role));
        if (log != null) {
            try {
                log.write(completeNanos + " role-" + node + " drbd " + invokeNanos + " " + role + "\n");
            } catch (IOException ignored) {
                // as above
            }
        }
    }

    synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    synchronized List<RoleSample> roles() {
        return List.copyOf(roles);
    }

    /** Acknowledged writes into {@code table} so far. */
    long acknowledged(String table) {
        AtomicLong n = okCount.get(table);
        return n == null ? 0 : n.get();
    }

    /** When the last write into {@code table} was acknowledged (nanoTime), or 0. */
    long lastAcknowledged(String table) {
        AtomicLong t = lastOk.get(table);
        return t == null ? 0 : t.get();
    }

    @Override
    public synchronized void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }
}
