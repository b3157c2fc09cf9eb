package dev.palisade.supervisor.resources;

import dev.palisade.drivers.testing.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A new MariaDB data directory for tests (the real mariadb-install-db), and SQL run as root over a socket
 * with the stock client.
 */
public final class MariaDbData {
    public static final String APP_USER = "app";
    public static final String APP_PASSWORD = "apppass";

    private MariaDbData() {
    }

    /** Makes {@code datadir} (owned by mysql) with system tables; then the caller starts a server on it. */
    public static void install(Path datadir) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(datadir);
        Commands.Result chown = Commands.run(10_000, "chown", "mysql:mysql", datadir.toString());
        if (chown.exit() != 0) {
            throw new IOException("chown: " + chown);
        }
        Commands.Result r = Commands.run(120_000, Commands.require("mariadb-install-db"), "--no-defaults",
                "--user=mysql", "--datadir=" + datadir, "--auth-root-authentication-method=socket",
                "--skip-test-db");
        if (r.exit() != 0) {
            throw new IOException("mariadb-install-db: " + r);
        }
    }

    /** Runs SQL as root over {@code socket}; returns the rows, tab-separated. */
    public static String sql(Path socket, String statements) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Commands.require("mariadb"), "--no-defaults", "--socket=" + socket,
                "--user=root", "--batch", "--skip-column-names", "-e", statements));
        Commands.Result r = Commands.run(30_000, cmd);
        if (r.exit() != 0) {
            throw new IOException("mariadb: " + r);
        }
        return r.stdout();
    }

    /** The application's user (reachable over TCP) and a table of numbered rows. */
    public static void createApp(Path socket) throws IOException, InterruptedException {
        sql(socket, "CREATE DATABASE IF NOT EXISTS app; "
                + "CREATE USER IF NOT EXISTS '" + APP_USER + "'@'%' IDENTIFIED BY '" + APP_PASSWORD + "'; "
                + "GRANT ALL ON app.* TO '" + APP_USER + "'@'%'; "
                + "CREATE TABLE IF NOT EXISTS app.ledger (n BIGINT PRIMARY KEY, at TIMESTAMP(6) DEFAULT NOW(6)) "
                + "ENGINE=InnoDB;");
    }
}
