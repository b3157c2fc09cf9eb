package dev.palisade.acceptance.drbd;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host's clients, each on its own thread, each recording into the {@link History}:
 * <ul>
 * <li>the application: numbered rows into {@code app.ledger} through the VIP, one autocommit INSERT at a time, a new
 * number for every attempt;</li>
 * <li>a writability probe per appliance: a row into {@code app.probe} straight to that appliance's own address every
 * {@link #PROBE_EVERY}, so that two appliances accepting writes at once would show;</li>
 * <li>a DRBD role sampler per appliance, through its second lab agent.</li>
 * </ul>
 */
final class Clients implements AutoCloseable {
    static final String VIP = "10.98.0.100";
    static final Duration PROBE_EVERY = Duration.ofMillis(300);
    static final Duration ROLE_EVERY = Duration.ofMillis(1000);
    private static final String USER = "app";
    private static final String PASSWORD = "apppass";

    private final History history;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong nextProbe = new AtomicLong(1);
    private volatile boolean closed;

    Clients(History history) {
        this.history = history;
    }

    /** Starts the application, the probes and the samplers. */
    void start(List<Appliance> appliances) {
        spawn("client-rows", () -> write("client", VIP, HistoryCheck.ROWS, new AtomicLong(1), Duration.ZERO));
        for (Appliance a : appliances) {
            spawn("probe-" + a.name, () -> write("probe-" + a.name, a.lanIp, HistoryCheck.PROBES, nextProbe, PROBE_EVERY));
            spawn("role-" + a.name, () -> sampleRoles(a));
        }
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static String url(String host) {
        // connect within 1 s; a statement that hears nothing for 8 s is given up (its outcome is then unknown)
        return "jdbc:mariadb://" + host + ":3306/app?connectTimeout=1000&socketTimeout=8000";
    }

    /** One writer: a new key per attempt; FAIL when it was never sent or refused, INFO when the answer was lost. */
    private void write(String process, String host, String table, AtomicLong keys, Duration pause) {
        Connection c = null;
        String sql = table.equals(HistoryCheck.ROWS) ? "INSERT INTO ledger (n, at) VALUES (?, ?)"
                : "INSERT INTO probe (n, node) VALUES (?, ?)";
        while (!closed) {
            long key = keys.getAndIncrement();
            history.add(process, table, key, History.Type.INVOKE, null);
            boolean sent = false;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url(host), USER, PASSWORD);
                    c.setAutoCommit(true);
                }
                try (PreparedStatement p = c.prepareStatement(sql)) {
                    p.setLong(1, key);
                    if (table.equals(HistoryCheck.ROWS)) {
                        p.setLong(2, System.currentTimeMillis());
                    } else {
                        p.setString(2, process.substring("probe-".length()));
                    }
                    sent = true;
                    p.executeUpdate();
                }
                history.add(process, table, key, History.Type.OK, null);
            } catch (SQLException e) {
                // the server's own error codes (1000-1999, 3000 and up) mean it answered: the autocommit INSERT did
                // not happen; anything else after the statement left (a broken connection, a timeout) is unknown
                int code = e.getErrorCode();
                boolean answered = code >= 1000 && code < 2000 || code >= 3000;
                history.add(process, table, key, sent && !answered ? History.Type.INFO : History.Type.FAIL,
                        code + " " + oneLine(e.getMessage()));
                close(c);
                c = null;
                sleep(sent ? 20 : 100);
            }
            sleep(pause.toMillis());
        }
        close(c);
    }

    private void sampleRoles(Appliance a) {
        while (!closed) {
            long from = System.nanoTime();
            try {
                GuestAgent.Reply r = a.probeAgent.run("sed -n 's/^ *0: cs:[^ ]* ro:\\([^/]*\\)\\/.*/\\1/p' /proc/drbd",
                        Duration.ofSeconds(5));
                String role = r.output().strip();
                history.role(a.name, from, System.nanoTime(), role.isEmpty() ? "Unconfigured" : role);
            } catch (GuestAgent.Unreachable e) {
                history.role(a.name, from, System.nanoTime(), "off");
                sleep(500);
            }
            sleep(ROLE_EVERY.toMillis());
        }
    }

    private static String oneLine(String s) {
        String t = String.valueOf(s).replace('\n', ' ');
        return t.length() > 160 ? t.substring(0, 160) : t;
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken anyway
            }
        }
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
