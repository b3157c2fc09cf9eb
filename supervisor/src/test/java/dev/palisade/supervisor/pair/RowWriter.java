package dev.palisade.supervisor.pair;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;

/**
 * The application: writes numbered rows through the virtual address, one autocommit INSERT at a time, and
 * appends "n epochMillis" to an acknowledgement file after each commit the server confirmed. When the
 * connection breaks it reconnects and retries the same row (a duplicate key then means the row was committed
 * before the answer got lost: acknowledged). Runs until the stop file appears.
 *
 * <p>{@code RowWriter HOST PORT USER PASSWORD ACKFILE STOPFILE}
 */
public final class RowWriter {
    private RowWriter() {
    }

    public static void main(String[] a) throws Exception {
        String url = "jdbc:mariadb://" + a[0] + ":" + a[1] + "/app?connectTimeout=300&socketTimeout=3000";
        Path stop = Path.of(a[5]);
        long n = 1;
        try (FileOutputStream acks = new FileOutputStream(a[4], true)) {
            Connection c = null;
            String lastError = "";
            while (!Files.exists(stop)) {
                try {
                    if (c == null) {
                        c = DriverManager.getConnection(url, a[2], a[3]);
                        c.setAutoCommit(true);
                    }
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                        p.setLong(1, n);
                        try {
                            p.executeUpdate();
                        } catch (SQLIntegrityConstraintViolationException duplicate) {
                            // committed before the connection broke: it is there
                        }
                    }
                    acks.write((n + " " + System.currentTimeMillis() + "\n").getBytes(StandardCharsets.US_ASCII));
                    n++;
                } catch (SQLException e) {
                    if (!String.valueOf(e.getMessage()).equals(lastError)) {
                        lastError = String.valueOf(e.getMessage());
                        System.err.println(System.currentTimeMillis() + " row " + n + ": " + lastError);
                    }
                    if (c != null) {
                        try {
                            c.close();
                        } catch (SQLException ignored) {
                            // it is broken anyway
                        }
                    }
                    c = null;
                    Thread.sleep(10);
                }
            }
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            System.err.println("row writer: " + e.getMessage());
            System.exit(1);
        }
    }
}
