package io.dosqlite.it;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures the DESIGN.md round-trip table with the client's own counters over a real page server.
 * {@link #main} prints it (the benchmark); {@link RoundTripTargetsTest} asserts the targets.
 */
public final class RoundTrips {
    static final int ROWS = 20_000;
    static final int PAGE_SIZE = 4096;

    /** One measured row: averages per operation. */
    record Row(String operation, String target, double requests, double bytesUp, double bytesDown, int ops,
               double wastedBytes) {
        double pagesUp() {
            return bytesUp / PAGE_SIZE;
        }
    }

    private RoundTrips() {
    }

    static List<Row> measure(String url) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS)
                    + " SELECT value, value * 7 + 3, printf('%.100c', char(65 + value % 26)) FROM series");
            s.execute("CREATE INDEX t_k ON t(k)");
        }
        try (Connection c = TestPageServer.connect(url)) {
            // Warm the cache with the rows the operations touch, then measure.
            try (PreparedStatement q = c.prepareStatement("SELECT v FROM t WHERE id = ?");
                 PreparedStatement u = c.prepareStatement("UPDATE t SET v = ? WHERE id = ?")) {
                for (int i = 1; i <= 20; i++) {
                    lookup(q, i * 997);
                }
                ClientStats before = stats(c);
                for (int i = 1; i <= 20; i++) {
                    lookup(q, i * 997);
                }
                rows.add(row("read transaction, unchanged database, warm cache", "<= 1", before, stats(c), 20));

                before = stats(c);
                for (int i = 1; i <= 20; i++) {
                    u.setString(1, "updated-" + i);
                    u.setInt(2, i * 997);
                    u.executeUpdate();
                }
                rows.add(row("write transaction (autocommit 1-row UPDATE), cached", "1", before, stats(c), 20));

                before = stats(c);
                c.setAutoCommit(false);
                for (int i = 1; i <= 20; i++) {
                    u.setString(1, "moved-" + i);
                    u.setInt(2, i * 997);
                    u.executeUpdate();
                    lookup(q, i * 997);
                    u.setString(1, "moved-" + i);
                    u.setInt(2, i * 997 + 1); // on the same, cached, page
                    u.executeUpdate();
                    c.commit();
                }
                c.setAutoCommit(true);
                rows.add(row("write transaction (UPDATE, SELECT, UPDATE, COMMIT), cached", "1", before, stats(c), 20));
            }
        }
        // Cold: a new handle (all connections were closed), so the cache starts empty.
        try (Connection c = TestPageServer.connect(url)) {
            ClientStats before = stats(c);
            try (PreparedStatement q = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
                lookup(q, 12_345);
            }
            rows.add(row("cold point lookup after open (prepare + execute)", "<= 2", before, stats(c), 1));
        }
        try (Connection c = TestPageServer.connect(url)) {
            ClientStats before = stats(c);
            try (PreparedStatement q = c.prepareStatement("SELECT v FROM t WHERE k = ?")) {
                lookup(q, 16_001 * 7 + 3);
            }
            rows.add(row("cold secondary-index lookup after open", "<= 2", before, stats(c), 1));
        }
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            ClientStats before = stats(c);
            long pages;
            try (ResultSet rs = s.executeQuery("SELECT sum(length(v)) FROM t")) {
                rs.next();
            }
            ClientStats after = stats(c);
            try (ResultSet rs = s.executeQuery("PRAGMA page_count")) {
                rs.next();
                pages = rs.getLong(1);
            }
            rows.add(row("sequential scan of " + pages + " pages, cold", "<= 4", before, after, 1));
        }
        try (Connection c = TestPageServer.connect(url);
             PreparedStatement q = c.prepareStatement("SELECT count(*), sum(length(v)) FROM t WHERE k >= ? AND k < ?")) {
            ClientStats before = stats(c);
            q.setInt(1, 7 * 5_000 + 3);
            q.setInt(2, 7 * 6_000 + 3);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != 1_000) {
                    throw new IllegalStateException("range scan found " + rs.getInt(1) + " rows, not 1,000");
                }
            }
            rows.add(row("range scan of 1,000 rows by secondary index, cold", "<= 2", before, stats(c), 1));
        }
        try (Connection c = TestPageServer.connect(url);
             PreparedStatement q = c.prepareStatement("SELECT count(*), sum(length(v)) FROM t WHERE id > ? AND id <= ?")) {
            ClientStats before = stats(c);
            q.setInt(1, 12_000);
            q.setInt(2, 13_000);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != 1_000) {
                    throw new IllegalStateException("range scan found " + rs.getInt(1) + " rows, not 1,000");
                }
            }
            rows.add(row("range scan of 1,000 rows by primary key, cold", "<= 2", before, stats(c), 1));
        }
        try (Connection c = TestPageServer.connect(url);
             PreparedStatement q = c.prepareStatement("SELECT id, v FROM t WHERE k BETWEEN ? AND ?")) {
            // a range plan that finds one row: the bounds keep read-ahead to what the range covers
            ClientStats before = stats(c);
            q.setInt(1, 16_001 * 7 + 3);
            q.setInt(2, 16_001 * 7 + 6);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next() || rs.next()) {
                    throw new IllegalStateException("the one-row range did not find exactly one row");
                }
            }
            rows.add(row("cold secondary-index lookup by a 1-row range (BETWEEN)", "<= 2", before, stats(c), 1));
        }
        return rows;
    }

    static void print(List<Row> rows, PrintStream out) {
        out.printf(Locale.ROOT, "%-52s %-10s %10s %12s %12s %9s %14s%n",
                "operation", "target", "requests", "bytes up", "bytes down", "pages up", "wasted ahead");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-52s %-10s %10.2f %12.0f %12.0f %9.2f %14.0f%n",
                    r.operation(), r.target(), r.requests(), r.bytesUp(), r.bytesDown(), r.pagesUp(), r.wastedBytes());
        }
    }

    private static void lookup(PreparedStatement q, int id) throws SQLException {
        q.setInt(1, id);
        try (ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("row " + id + " missing");
            }
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    private static Row row(String op, String target, ClientStats before, ClientStats after, int ops) {
        ClientStats d = after.minus(before);
        return new Row(op, target, (double) d.requests() / ops, (double) d.bytesUp() / ops,
                (double) d.bytesDown() / ops, ops, (double) d.wastedReadAheadBytes() / ops);
    }

    /** Prints the table against a fresh local page server: {@code ./dosqlite bench-roundtrips}. */
    public static void main(String[] args) throws Exception {
        try (TestPageServer server = TestPageServer.start()) {
            System.out.println("Round trips per operation over a local page server (client counters), "
                    + ROWS + " rows of ~100 bytes, page size " + PAGE_SIZE);
            print(measure(server.freshJdbcUrl("db")), System.out);
        }
    }
}
