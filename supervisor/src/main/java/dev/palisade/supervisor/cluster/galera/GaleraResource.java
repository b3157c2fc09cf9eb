package dev.palisade.supervisor.cluster.galera;

import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.supervisor.cluster.Report;
import dev.palisade.supervisor.resources.MariaDbResource;
import dev.palisade.supervisor.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;

/**
 * {@code galera::DATADIR::cluster_address=gcomm://...}: one MariaDB Galera node ({@link GaleraSettings}), run by the
 * MariaDB resource (the process found by its InnoDB lock, ready when it answers, stopped with a verified clean
 * shutdown, never killed) with the wsrep options. What Galera adds, each asked by the cluster node's decision
 * machine:
 * <ul>
 * <li>{@link #recoverPosition()}: grastate.dat, and {@code mariadbd --wsrep-recover} when it says -1;</li>
 * <li>{@link #join}: start and wait until Synced (IST or SST from the Primary Component);</li>
 * <li>{@link #bootstrap}: mark grastate.dat safe_to_bootstrap, start once with {@code --wsrep-new-cluster} on the
 *     command line (nothing sticky is written to a configuration file), and the recovered position as
 *     {@code --wsrep-start-position}, so the others rejoin by IST instead of a full SST;</li>
 * <li>{@link #status()}: the wsrep variables that decide the VIP.</li>
 * </ul>
 * Nothing here deletes data: an empty gvwstate.dat (a crash while Galera wrote it, codership/galera#354) is the
 * one file removed, because it would keep the node from ever joining.
 */
public final class GaleraResource {
    private static final long POLL_MILLIS = 100;
    private final GaleraSettings settings;

    public GaleraResource(GaleraSettings settings) {
        this.settings = settings;
    }

    public GaleraSettings settings() {
        return settings;
    }

    public String name() {
        return "galera " + settings.server().datadir();
    }

    private Path datadir() {
        return settings.server().datadir();
    }

    // ------------------------------------------------------------------ position

    /**
     * The position of the stopped node's data: grastate.dat's when it holds one, otherwise what
     * {@code --wsrep-recover} finds in InnoDB (then {@link Report#recovered()}); plus the Primary Component view it
     * saved. Throws when neither says anything usable.
     */
    public Report recoverPosition() throws IOException, GaleraStateException {
        Path gra = datadir().resolve("grastate.dat");
        GraState state = Files.exists(gra) ? GraState.parse(Files.readAllBytes(gra)) : null;
        GvwState.View view = savedView();
        if (state != null && state.seqno() >= 0 && !state.uuid().equals(GraState.ZERO)) {
            return new Report(state.uuid(), state.seqno(), state.safeToBootstrap(), false, view);
        }
        RecoveredPosition p = wsrepRecover();
        Logger.info("galera {}: grastate.dat {}; --wsrep-recover found {}", datadir(), state == null ? "missing"
                : "says " + state.uuid() + ":" + state.seqno(), p);
        return new Report(p.uuid(), p.seqno(), state != null && state.safeToBootstrap(), true, view);
    }

    private GvwState.View savedView() throws IOException {
        Path gvw = datadir().resolve("gvwstate.dat");
        if (!Files.exists(gvw)) {
            return null;
        }
        if (Files.size(gvw) == 0) {
            Logger.warn("galera {}: removing an empty gvwstate.dat (it would keep Galera from joining, "
                    + "codership/galera#354)", datadir());
            Files.delete(gvw);
            return null;
        }
        try {
            return GvwState.parse(Files.readAllBytes(gvw)).view();
        } catch (GaleraStateException e) {
            Logger.warn("galera {}: gvwstate.dat unreadable ({}): Galera's own recovery is not tried", datadir(),
                    e.getMessage());
            return null;
        }
    }

    private RecoveredPosition wsrepRecover() throws IOException, GaleraStateException {
        Path log = datadir().resolve("wsrep-recover.log");
        Files.deleteIfExists(log); // mariadbd creates it as its own user: a root-owned file would not be writable
        List<String> cmd = new ArrayList<>(List.of(MariaDbResource.mariadbd()));
        MariaDbResource.Settings s = settings.server();
        cmd.add(s.defaultsFile() != null ? "--defaults-file=" + s.defaultsFile() : "--no-defaults");
        cmd.addAll(List.of("--datadir=" + datadir(), "--user=" + s.user(), "--skip-networking",
                "--socket=" + datadir().resolve("wsrep-recover.sock"), "--pid-file=" + datadir().resolve("wsrep-recover.pid"),
                "--log-error=" + log));
        cmd.addAll(settings.wsrepOptions());
        cmd.addAll(s.options());
        cmd.add("--wsrep-recover");
        ProcessRun.Result r = ProcessRun.run(cmd, null, s.startTimeout());
        if (r.timedOut()) {
            throw new IOException("mariadbd --wsrep-recover on " + datadir() + " did not finish within "
                    + s.startTimeout().toSeconds() + " s");
        }
        if (!Files.exists(log)) {
            throw new IOException("mariadbd --wsrep-recover on " + datadir() + " wrote no log (exit " + r.exit() + ": "
                    + r.output() + ")");
        }
        return RecoveredPosition.parse(Files.readAllBytes(log));
    }

    // ------------------------------------------------------------------ starts

    /** Starts and waits until Synced and ready: joining the Primary Component of the others. */
    public WsrepStatus join(Report from) throws IOException {
        return start(startPosition(from), settings.syncTimeout(), "join", false);
    }

    /**
     * Starts normally after every node crashed, for Galera's pc.recovery to re-form the Primary Component from the
     * saved view; fails (and stops the server) when it is not Primary, Synced and ready within {@code timeout}.
     */
    public WsrepStatus joinForPcRecovery(Report from, Duration timeout) throws IOException {
        return start(startPosition(from), timeout, "pc.recovery", true);
    }

    /** The elected node: starts a new Primary Component from its own data. */
    public WsrepStatus bootstrap(Report from) throws IOException {
        markSafeToBootstrap();
        List<String> extra = new ArrayList<>(startPosition(from));
        extra.add("--wsrep-new-cluster");
        return start(extra, settings.syncTimeout(), "bootstrap", false);
    }

    private static List<String> startPosition(Report from) {
        return from != null && from.recovered() && from.valid() ? List.of("--wsrep-start-position=" + from.position())
                : List.of();
    }

    /** galera-4 refuses --wsrep-new-cluster on a node whose grastate.dat says safe_to_bootstrap: 0. */
    private void markSafeToBootstrap() throws IOException {
        Path gra = datadir().resolve("grastate.dat");
        if (!Files.exists(gra)) {
            return;
        }
        String text = Files.readString(gra);
        String marked = GraState.markedSafe(text);
        if (marked.equals(text)) {
            return;
        }
        Path tmp = datadir().resolve("grastate.dat.palisade");
        Files.writeString(tmp, marked);
        Files.setOwner(tmp, Files.getOwner(gra));
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(gra));
        Files.move(tmp, gra, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Logger.info("galera {}: grastate.dat marked safe_to_bootstrap: 1 (this node was elected)", datadir());
    }

    /**
     * {@code bounded}: the whole start, the server's own included, ends by {@code syncTimeout}. Needed for
     * pc.recovery: mariadbd opens its socket only once its provider is in a Primary Component, and while a member
     * of the saved view is missing galera-4 waits for it without end, logging a connection attempt every second
     * (so the server's start, which waits as long as the log moves, would never return).
     */
    private WsrepStatus start(List<String> extra, Duration syncTimeout, String what, boolean bounded)
            throws IOException {
        MariaDbResource db = new MariaDbResource(settings.serverWith(extra));
        long t0 = System.nanoTime();
        Logger.info("galera {}: starting ({}) {}", datadir(), what, String.join(" ", extra));
        if (bounded) {
            startWithin(db, syncTimeout, what);
        } else {
            db.start();
        }
        long deadline = t0 + syncTimeout.toNanos();
        WsrepStatus last = null;
        while (System.nanoTime() - deadline < 0) {
            last = query();
            if (last != null && last.primary() && last.synced() && last.ready()) {
                return last;
            }
            if (db.monitor() == Resource.Status.STOPPED) {
                throw new IOException("mariadbd on " + datadir() + " exited during the " + what);
            }
            sleep();
        }
        throw new IOException(what + " on " + datadir() + ": not Primary, Synced and ready within "
                + syncTimeout.toSeconds() + " s (" + (last == null ? "no status" : last) + ")");
    }

    /**
     * The server's start on a thread of its own, waited for at most {@code limit}; past it the caller stops the
     * server (ClusterEffects does after every failed start), which ends that thread's wait too.
     */
    private void startWithin(MariaDbResource db, Duration limit, String what) throws IOException {
        FutureTask<Void> task = new FutureTask<>(() -> {
            db.start();
            return null;
        });
        Thread t = new Thread(task, "galera-start");
        t.setDaemon(true);
        t.start();
        try {
            task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException(what + " on " + datadir() + ": the server did not answer within "
                    + limit.toSeconds() + " s (its provider found no Primary Component)");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Stops the server cleanly and verifies it is gone; throws when it is not (the node must then be fenced). */
    public void stop() throws IOException {
        new MariaDbResource(settings.serverWith(List.of())).stop();
    }

    // ------------------------------------------------------------------ status

    /** The server's wsrep status, or null when no server runs; a server that does not answer reads non-Primary. */
    public WsrepStatus status() throws IOException {
        WsrepStatus s = query();
        if (s != null) {
            return s;
        }
        if (new MariaDbResource(settings.server()).monitor() == Resource.Status.STOPPED) {
            return null;
        }
        return new WsrepStatus("Disconnected", -1, false, "", -1, 0);
    }

    private WsrepStatus query() throws IOException {
        if (!Files.exists(settings.server().socket())) {
            return null;
        }
        ProcessRun.Result r = ProcessRun.run(List.of(MariaDbResource.client(), "--no-defaults", "--socket=" + settings.server().socket(),
                "--user=root", "--batch", "--skip-column-names", "--connect-timeout=2", "-e",
                "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'"), null, Duration.ofSeconds(5));
        return r.exit() == 0 ? WsrepStatus.parse(r.output()) : null;
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
