package dev.palisade.supervisor.resources;

import dev.palisade.drivers.platform.ProcessRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.tinylog.Logger;

/**
 * {@code mariadb}: one MariaDB server on its data directory. Ready only when it answers {@code SELECT 1}
 * over its socket; stopped only when the process is verified gone (SIGTERM, InnoDB's clean shutdown); never
 * started while any server (of this node, or one found holding the data directory's InnoDB lock) runs on
 * that directory. A server that has not answered when the start timeout passes is reported with its last log
 * line and waited for as long as its log keeps moving (crash recovery takes what it takes); only a server
 * whose log has stood still for the whole window fails the start, and it is left to the group's clean
 * shutdown (SIGTERM), never killed. A server that does not stop within the stop timeout is reported as a failed
 * stop (the node must then be fenced), never killed blindly.
 *
 * <p>haresources arguments: {@code mariadb::DATADIR[::key=value]...} with keys {@code socket}, {@code port},
 * {@code bind} (address), {@code user}, {@code defaults} (a my.cnf; without it the server runs with
 * --no-defaults and the options given here), {@code start_timeout}, {@code stop_timeout}, {@code option}
 * (one more server option, repeatable).
 */
public final class MariaDbResource implements Resource {
    /** How often readiness and exit are checked while waiting. */
    private static final long POLL_MILLIS = 25;
    /** A server past its start timeout is waited for while its log moved within this (or the timeout, if longer). */
    static final Duration PROGRESS_WINDOW = Duration.ofSeconds(5);

    public record Settings(Path datadir, Path socket, int port, String bind, String user, Path defaultsFile,
                           Duration startTimeout, Duration stopTimeout, List<String> options) {
        /** Reads haresources-style arguments (after the resource name). */
        public static Settings parse(List<String> args) {
            if (args.isEmpty() || args.get(0).contains("=")) {
                throw new IllegalArgumentException("mariadb needs its data directory first: mariadb::/srv/db/mysql");
            }
            Path datadir = Path.of(args.get(0));
            Map<String, String> kv = new TreeMap<>();
            List<String> options = new ArrayList<>();
            for (String a : args.subList(1, args.size())) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("mariadb argument '" + a + "' is not key=value");
                }
                String k = a.substring(0, eq);
                String v = a.substring(eq + 1);
                switch (k) {
                    case "option" -> options.add(v.startsWith("--") ? v : "--" + v);
                    case "socket", "port", "bind", "user", "defaults", "start_timeout", "stop_timeout" -> kv.put(k, v);
                    default -> throw new IllegalArgumentException("mariadb has no argument '" + k + "' (socket, port, "
                            + "bind, user, defaults, start_timeout, stop_timeout, option)");
                }
            }
            int port;
            try {
                port = Integer.parseInt(kv.getOrDefault("port", "3306"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mariadb port '" + kv.get("port") + "' is not a number");
            }
            return new Settings(datadir, Path.of(kv.getOrDefault("socket", "/run/mysqld/mysqld.sock")), port,
                    kv.getOrDefault("bind", "0.0.0.0"), kv.getOrDefault("user", "mysql"),
                    kv.containsKey("defaults") ? Path.of(kv.get("defaults")) : null,
                    seconds(kv.getOrDefault("start_timeout", "120")), seconds(kv.getOrDefault("stop_timeout", "120")),
                    List.copyOf(options));
        }

        private static Duration seconds(String s) {
            try {
                return s.endsWith("ms") ? Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)))
                        : Duration.ofSeconds(Long.parseLong(s.endsWith("s") ? s.substring(0, s.length() - 1) : s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mariadb timeout '" + s + "' is not seconds (120, 90s or 500ms)");
            }
        }
    }

    private final Settings s;
    private volatile String lastClientError = "no answer yet";

    public MariaDbResource(Settings settings) {
        this.s = settings;
    }

    @Override
    public String name() {
        return "mariadb " + s.datadir();
    }

    /** Where the server writes its log (recovery progress, errors). */
    public Path errorLog() {
        return s.datadir().resolve("mariadbd.err");
    }

    @Override
    public void start() throws IOException {
        ProcessHandle server = server().orElse(null);
        if (server == null) {
            if (!Files.isDirectory(s.datadir().resolve("mysql"))) {
                throw new IOException(s.datadir() + " holds no MariaDB system tables (is the disk mounted?); a new "
                        + "data directory is made once with: mariadb-install-db --user=" + s.user() + " --datadir="
                        + s.datadir());
            }
            Path run = s.socket().getParent();
            if (!Files.isDirectory(run)) {
                Files.createDirectories(run); // as /run/mysqld: the server, running as its user, makes its socket there
                Files.setOwner(run, run.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(s.user()));
            }
            List<String> cmd = new ArrayList<>(List.of(mariadbd()));
            cmd.add(s.defaultsFile() != null ? "--defaults-file=" + s.defaultsFile() : "--no-defaults");
            cmd.addAll(List.of("--datadir=" + s.datadir(), "--socket=" + s.socket(), "--port=" + s.port(),
                    "--bind-address=" + s.bind(), "--user=" + s.user(), "--log-error=" + errorLog(),
                    "--pid-file=" + s.socket() + ".pid"));
            cmd.addAll(s.options());
            server = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().toHandle();
        }
        long deadline = System.nanoTime() + s.startTimeout().toNanos();
        while (true) {
            if (!server.isAlive()) {
                if (answers()) {
                    throw new IOException("a server answers on " + s.socket() + " but none runs on " + s.datadir()
                            + ": another data directory's server holds this socket");
                }
                throw new IOException("mariadbd on " + s.datadir() + " exited while starting; its log says: "
                        + lastLogLines(3));
            }
            if (answers()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                Duration window = s.startTimeout().compareTo(PROGRESS_WINDOW) > 0 ? s.startTimeout() : PROGRESS_WINDOW;
                if (!logMovedWithin(window)) {
                    throw new IOException("mariadbd pid " + server.pid() + " on " + s.datadir() + " does not answer ("
                            + lastClientError + ") and its log has not moved for " + window.toSeconds() + " s; not "
                            + "killed (a stop asks it to shut down cleanly); its log says: " + lastLogLines(2));
                }
                Logger.warn("mariadb {}: pid {} not answering after {} s but its log moves (crash recovery?): waiting; "
                        + "its log says: {}", s.datadir(), server.pid(), s.startTimeout().toSeconds(), lastLogLines(1));
                deadline = System.nanoTime() + s.startTimeout().toNanos();
            }
            sleep();
        }
    }

    @Override
    public void stop() throws IOException {
        Optional<ProcessHandle> p = server();
        if (p.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + s.stopTimeout().toNanos();
        ProcessHandle server = p.get();
        server.destroy(); // SIGTERM: InnoDB's clean shutdown
        while (true) {
            if (!server.isAlive()) {
                Optional<ProcessHandle> other = server(); // gone: verified by a fresh look at the data directory
                if (other.isEmpty()) {
                    return;
                }
                server = other.get(); // a server restarted under us: stop that one too
                server.destroy();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("mariadbd pid " + server.pid() + " on " + s.datadir() + " still runs "
                        + s.stopTimeout().toSeconds() + " s after SIGTERM; not killed (the node must be fenced); its "
                        + "log says: " + lastLogLines(2));
            }
            sleep();
        }
    }

    @Override
    public Status monitor() throws IOException {
        if (server().isEmpty()) {
            return Status.STOPPED;
        }
        return answers() ? Status.RUNNING : Status.FAILED;
    }

    /** The server running on this data directory: the InnoDB lock's holder, or a mariadbd named with it. */
    Optional<ProcessHandle> server() throws IOException {
        Optional<Long> locker = lockHolder(s.datadir().resolve("ibdata1"));
        if (locker.isPresent()) {
            Optional<ProcessHandle> h = ProcessHandle.of(locker.get());
            if (h.isPresent() && h.get().isAlive()) {
                return h;
            }
        }
        String arg = "--datadir=" + s.datadir();
        return ProcessHandle.allProcesses().filter(h -> {
            ProcessHandle.Info info = h.info(); // one read of /proc/PID per process
            String c = info.command().orElse("");
            return (c.endsWith("/mariadbd") || c.endsWith("/mysqld"))
                    && List.of(info.arguments().orElse(new String[0])).contains(arg) && ProcessRun.running(h.pid());
        }).findFirst();
    }

    /** The PID holding a POSIX write lock on {@code file} (InnoDB locks ibdata1 while it runs), if any. */
    static Optional<Long> lockHolder(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        long ino = (Long) Files.getAttribute(file, "unix:ino");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        String want = String.format("%02x:%02x:%d", major, minor, ino);
        for (String line : Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (blocked waiters are marked "->")
            if (f.length >= 6 && f[1].equals("POSIX") && f[5].equals(want)) {
                return Optional.of(Long.parseLong(f[4]));
            }
        }
        return Optional.empty();
    }

    private boolean answers() throws IOException {
        if (!Files.exists(s.socket())) {
            return false;
        }
        ProcessRun.Result r = ProcessRun.run(List.of(client(), "--no-defaults", "--socket=" + s.socket(), "--user=root",
                "--batch", "--skip-column-names", "--connect-timeout=2", "-e", "SELECT 1"), null, Duration.ofSeconds(5));
        if (r.exit() == 0 && r.output().trim().endsWith("1")) {
            return true;
        }
        lastClientError = r.timedOut() ? "the client timed out" : r.output().isBlank() ? "client exit " + r.exit()
                : r.output().lines().reduce((a, b) -> b).orElse("");
        if (r.output().contains("ERROR 1045")) {
            // the server answered, refusing root over the socket: it is up, but cannot be queried by this check
            Logger.warn("mariadb {}: root cannot log in over {} ({}); readiness taken from the server's answer; "
                    + "allow root by unix_socket for a real query", s.datadir(), s.socket(), lastClientError);
            return true;
        }
        return false;
    }

    private boolean logMovedWithin(Duration window) {
        try {
            return Files.exists(errorLog()) && Files.getLastModifiedTime(errorLog()).toMillis()
                    > System.currentTimeMillis() - window.toMillis();
        } catch (IOException e) {
            return false;
        }
    }

    private String lastLogLines(int n) {
        try {
            List<String> lines = Files.exists(errorLog()) ? Files.readAllLines(errorLog(), StandardCharsets.UTF_8)
                    : List.of();
            return lines.isEmpty() ? "(no log at " + errorLog() + ")"
                    : String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** The server program of Debian's mariadb-server (also run with galera-4 by a cluster node). */
    public static String mariadbd() throws IOException {
        for (String c : List.of("/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/local/sbin/mariadbd")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new IOException("no mariadbd found (install mariadb-server)");
    }

    /** The command-line client, used for readiness and status queries over the socket. */
    public static String client() {
        return Files.isExecutable(Path.of("/usr/bin/mariadb")) ? "/usr/bin/mariadb" : "mysql";
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
