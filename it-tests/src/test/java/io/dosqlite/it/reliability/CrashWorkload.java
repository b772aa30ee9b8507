package io.dosqlite.it.reliability;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The crash-sweep workload, run in its own JVM (and killed with SIGKILL). Transaction {@code i}
 * inserts row {@code i} with a known payload and adds {@code i} to the checksum row, so a partial
 * transaction is visible; {@code ACK i} is printed as soon as commit returns.
 * Usage: CrashWorkload JDBC_URL TOKEN FIRST_ID COUNT [name=value ...]
 */
public final class CrashWorkload {
    private CrashWorkload() {
    }

    static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meta(k INTEGER PRIMARY KEY, n INTEGER NOT NULL, s INTEGER NOT NULL, last INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO meta VALUES (1, 0, 0, 0)",
    };

    /** Ids from here on carry a 36 MiB payload: a commit larger than one request (staged). */
    static final long BIG_BASE = 1_000_000_000L;

    /** Row {@code i}'s payload: 20 to 6,019 characters, so some transactions span overflow pages. */
    static String payload(long i) {
        int len = i >= BIG_BASE ? 36 * 1024 * 1024 : 20 + (int) ((i * 7919) % 6000);
        StringBuilder sb = new StringBuilder(len + 16);
        while (sb.length() < len) {
            sb.append("row").append(i).append(':');
        }
        sb.setLength(len);
        return sb.toString();
    }

    /** One workload transaction: row {@code i} plus the checksum row, committed. */
    static void transaction(Connection c, long i) throws SQLException {
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO t(id, payload) VALUES (?, ?)");
             PreparedStatement upd = c.prepareStatement("UPDATE meta SET n = n + 1, s = s + ?, last = ? WHERE k = 1")) {
            ins.setLong(1, i);
            ins.setString(2, payload(i));
            ins.executeUpdate();
            upd.setLong(1, i);
            upd.setLong(2, i);
            upd.executeUpdate();
        }
        c.commit();
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        for (int a = 4; a < args.length; a++) {
            int eq = args[a].indexOf('=');
            p.setProperty(args[a].substring(0, eq), args[a].substring(eq + 1));
        }
        long first = Long.parseLong(args[2]);
        long count = Long.parseLong(args[3]);
        try (Connection c = DriverManager.getConnection(args[0], p)) {
            c.setAutoCommit(false);
            out.println("READY");
            out.flush();
            for (long i = first; i < first + count; i++) {
                // before anything of transaction i can reach the server: the harness's upper bound
                out.println("SEND " + i);
                out.flush();
                transaction(c, i);
                out.println("ACK " + i);
                out.flush();
            }
            out.println("DONE");
            out.flush();
        } catch (SQLException e) {
            out.println("ERR " + e.getSQLState() + " " + e.getMessage());
            out.flush();
            e.printStackTrace();
            System.exit(3);
        }
    }
}
