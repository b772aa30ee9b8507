package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Autocommit SELECTs start on the newest version this JVM knows and prove it current before any
 * row is seen: with the answer of the first page they fetch, else with a version check. Whatever
 * the cache held, the rows are those of a version that was current after the query was asked.
 * "Another client" reaches the server through {@code localhost}: its own store and cache.
 */
class OptimisticQueryTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    private static final int ROWS = 5_000;

    private static String fill(String url) throws SQLException {
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS)
                    + " SELECT value, value * 3, printf('row %d %.80c', value, 'x') FROM series");
            s.execute("CREATE INDEX t_k ON t(k)");
        }
        return url;
    }

    private static String valueByK(Connection c, int k) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT v FROM t WHERE k = ?")) {
            q.setInt(1, k);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next(), "k = " + k);
                return rs.getString(1);
            }
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    @Test
    void coldIndexLookupFetchesTwoLeavesAndNothingElse() throws Exception {
        String url = fill(server.freshJdbcUrl("db"));
        try (Connection c = TestPageServer.connect(url)) { // a new store: interior pages only
            ClientStats before = stats(c);
            assertTrue(valueByK(c, 3 * 4321).startsWith("row 4321 "));
            ClientStats d = stats(c).minus(before);
            assertEquals(2, d.requests(), "index leaf + table leaf, the first also proving the version: " + d);
        }
    }

    @Test
    void aStaleCacheFoundByTheFirstFetchRunsTheQueryAgain() throws Exception {
        String url = fill(server.freshJdbcUrl("db"));
        try (Connection a = TestPageServer.connect(url);
             Connection b = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             Statement sb = b.createStatement()) {
            assertTrue(valueByK(a, 3).startsWith("row 1 ")); // a knows the version, not row 4000's leaf
            sb.executeUpdate("UPDATE t SET v = 'changed by b' WHERE id = 4000");
            // a's first fetch (row 4000's leaves) answers that a newer version is current
            assertEquals("changed by b", valueByK(a, 3 * 4000));
        }
    }

    @Test
    void aStaleCacheWithNothingToFetchIsFoundByTheVersionCheck() throws Exception {
        // the version-check path: with a lease, b's commit is pushed to a and the read makes 0 requests
        String url = fill(server.freshJdbcUrl("db")) + "?leases=false";
        try (Connection a = TestPageServer.connect(url);
             Connection b = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             Statement sb = b.createStatement()) {
            assertTrue(valueByK(a, 3 * 10).startsWith("row 10 ")); // row 10's pages are cached now
            sb.executeUpdate("UPDATE t SET v = 'changed by b' WHERE id = 10");
            assertEquals("changed by b", valueByK(a, 3 * 10));
            ClientStats before = stats(a);
            assertEquals("changed by b", valueByK(a, 3 * 10));
            assertEquals(1, stats(a).minus(before).requests(), "warm and unchanged: one version check");
        }
    }

    @Test
    void aQueryOpeningATransactionBegunInSqlNeverReturnsAnOldVersion() throws Exception {
        String url = fill(server.freshJdbcUrl("db"));
        try (Connection a = TestPageServer.connect(url);
             Connection b = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            assertTrue(valueByK(a, 3 * 10).startsWith("row 10 "));
            sb.executeUpdate("UPDATE t SET v = 'changed by b' WHERE id = 10");
            sa.execute("BEGIN"); // a transaction SQLite keeps open across statements, JDBC autocommit still on
            try {
                assertEquals("changed by b", valueByK(a, 3 * 10));
            } catch (SQLException e) {
                assertEquals("40001", e.getSQLState(), e.toString()); // or: retry the transaction
            } finally {
                sa.execute("ROLLBACK");
            }
            assertEquals("changed by b", valueByK(a, 3 * 10));
        }
    }

    @Test
    void aTableCreatedByAnotherClientIsFound() throws Exception {
        String url = fill(server.freshJdbcUrl("db"));
        try (Connection a = TestPageServer.connect(url);
             Connection b = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            assertTrue(valueByK(a, 3).startsWith("row 1 "));
            sb.execute("CREATE TABLE fresh(x INTEGER)");
            sb.execute("INSERT INTO fresh VALUES (42)");
            // a's known schema has no table 'fresh': the query must not fail with "no such table"
            try (ResultSet rs = sa.executeQuery("SELECT x FROM fresh")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }
}
