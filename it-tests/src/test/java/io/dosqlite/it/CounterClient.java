package io.dosqlite.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Runs in a separate JVM, as a second application would: increments counter row 1 N times, each
 * in its own transaction, retrying on SQLState 40001. Prints "done <conflicts>" at the end.
 * Usage: CounterClient URL TOKEN N
 */
public final class CounterClient {
    /** A new database on {@code server} holding counter row 1 at 0; its JDBC URL. */
    static String newDatabase(io.dosqlite.testsupport.TestPageServer server, String prefix) throws SQLException {
        String url = server.freshJdbcUrl(prefix);
        try (Connection c = io.dosqlite.testsupport.TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
            s.execute("INSERT INTO counter VALUES (1, 0)");
        }
        return url;
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        int n = Integer.parseInt(args[2]);
        int conflicts = 0;
        try (Connection c = DriverManager.getConnection(args[0], p); Statement s = c.createStatement()) {
            for (int i = 0; i < n; i++) {
                while (true) {
                    try {
                        s.executeUpdate("UPDATE counter SET n = n + 1 WHERE id = 1");
                        break;
                    } catch (SQLException e) {
                        if (!"40001".equals(e.getSQLState())) {
                            throw e;
                        }
                        conflicts++;
                    }
                }
            }
        }
        System.out.println("done " + conflicts);
    }
}
