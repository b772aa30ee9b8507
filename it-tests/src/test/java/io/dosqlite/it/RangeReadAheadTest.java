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
 * Read-ahead from a prepared range query's bounds (issue 11): the leaves the range covers come with
 * its first cold page, they are pages of the transaction's version, and nothing else comes along.
 */
class RangeReadAheadTest {

    private static final int ROWS = 20_000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void anIndexRangeFetchesTheTableLeavesOfItsRowidsWhereverTheyLie() throws Exception {
        String url = server.freshJdbcUrl("scattered");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            // k is a permutation of the ids: index order and rowid order disagree
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS)
                    + " SELECT value, (value * 7919) % " + ROWS + ", printf('%.100c', 'a') FROM series");
            s.execute("CREATE INDEX t_k ON t(k)");
        }
        try (Connection c = TestPageServer.connect(url);
             PreparedStatement q = c.prepareStatement("SELECT count(*), sum(id), sum(length(v)) FROM t WHERE k >= ? AND k < ?")) {
            ClientStats before = stats(c);
            q.setInt(1, 5_000);
            q.setInt(2, 5_200);
            long expectedSum = 0;
            for (long id = 1; id <= ROWS; id++) {
                long k = (id * 7919) % ROWS;
                expectedSum += k >= 5_000 && k < 5_200 ? id : 0;
            }
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                assertEquals(200, rs.getInt(1));
                assertEquals(expectedSum, rs.getLong(2));
                assertEquals(200 * 100, rs.getLong(3));
            }
            ClientStats d = stats(c).minus(before);
            // the index leaf, then every table leaf its 200 entries name (spread over the table)
            assertEquals(2, d.requests(), d.toString());
            assertTrue(d.readAheadPages() > 50, "the rows' leaves came ahead: " + d);
            // only leaves the range reads, but for the row at the upper bound: the plan shows k<? for
            // both < and <=, so the bound counts as inclusive (one page too many, never one too few)
            assertTrue(d.wastedReadAheadBytes() <= 4096, "only leaves the range reads: " + d);
        }
    }

    @Test
    void aRangeReadAheadServesTheTransactionsVersionWhileAnotherClientRewritesIt() throws Exception {
        String url = server.freshJdbcUrl("rangeversion");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS) + " SELECT value, printf('%.100c', 'a') FROM series");
        }
        try (Connection reader = TestPageServer.connect(url);
             Connection writer = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             PreparedStatement q = reader.prepareStatement("SELECT v FROM t WHERE id > ? AND id <= ?");
             Statement w = writer.createStatement()) {
            reader.setAutoCommit(false);
            q.setInt(1, 1_000);
            q.setInt(2, 6_000);
            ClientStats before = stats(reader);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                // the first row's leaf brought the range's leaves; now another client rewrites them all
                ClientStats first = stats(reader).minus(before);
                assertTrue(first.readAheadPages() > 100, "the range's leaves came with the first: " + first);
                assertEquals(ROWS, w.executeUpdate("UPDATE t SET v = printf('%.50c', 'b')"));
                int rows = 1;
                assertEquals(100, rs.getString(1).length());
                while (rs.next()) {
                    assertEquals(100, rs.getString(1).length(), "row " + (1_000 + rows + 1) + " of the old version");
                    rows++;
                }
                assertEquals(5_000, rows);
            }
            reader.commit();
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(50, rs.getString(1).length(), "the next transaction sees the commit");
            }
            reader.commit();
            reader.setAutoCommit(true);
        }
    }

    @Test
    void queriesThatMayReadOneLeafReadNothingAhead() throws Exception {
        String url = server.freshJdbcUrl("noahead");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS)
                    + " SELECT value, printf('n%06d', value), printf('%.100c', 'a') FROM series");
            s.execute("CREATE INDEX t_name ON t(name)");
        }
        // a scan that may stop after a few rows; a range of text keys, whose bounds the client cannot compare
        String[][] queries = {
                {"SELECT v FROM t ORDER BY id LIMIT ?", "5"},
                {"SELECT v FROM t WHERE name BETWEEN ? AND ?", "n012345", "n012345"},
        };
        for (String[] q : queries) {
            try (Connection c = TestPageServer.connect(url); PreparedStatement p = c.prepareStatement(q[0])) {
                for (int i = 1; i < q.length; i++) {
                    p.setString(i, q[i]);
                }
                ClientStats before = stats(c);
                try (ResultSet rs = p.executeQuery()) {
                    assertTrue(rs.next());
                }
                ClientStats d = stats(c).minus(before);
                assertEquals(0, d.readAheadPages(), q[0] + ": " + d);
            }
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }
}
