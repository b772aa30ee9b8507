package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Read-ahead fetches pages before SQLite asks for them; they must be pages of the reading
 * transaction's version even when another client commits in between (invariant 4). "Another
 * client" is a second store in this JVM, reached through {@code localhost}, with its own cache.
 */
class ReadAheadSnapshotTest {

    private static final int ROWS = 20_000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void aScanReadsItsSnapshotWhileAnotherClientRewritesEveryPage() throws Exception {
        String url = server.freshJdbcUrl("readahead");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            s.execute("INSERT INTO t " + Sql.series(1, ROWS) + " SELECT value, printf('%.100c', 'a') FROM series");
        }
        try (Connection reader = TestPageServer.connect(url);
             Connection writer = TestPageServer.connect(url.replace("127.0.0.1", "localhost"));
             Statement r = reader.createStatement(); Statement w = writer.createStatement()) {
            ClientStats before = stats(reader);
            reader.setAutoCommit(false);
            // the first part of a scan: read-ahead fetches leaves well past it
            assertEquals(2_000L * 100, sumOfLengths(r, "WHERE id <= 2000"));
            assertTrue(stats(reader).minus(before).readAheadPages() > 0, "the scan read ahead: " + stats(reader).minus(before));
            // another client rewrites every row (every leaf changes) and commits
            assertEquals(ROWS, w.executeUpdate("UPDATE t SET v = printf('%.50c', 'b')"));
            // the rest of the scan, pages already read ahead and pages still to fetch: all of the old version
            assertEquals((long) ROWS * 100, sumOfLengths(r, ""));
            reader.commit();
            // the next transaction sees the commit
            assertEquals((long) ROWS * 50, sumOfLengths(r, ""));
            reader.setAutoCommit(true);
        }
    }

    private static long sumOfLengths(Statement s, String where) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT sum(length(v)) FROM t " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }
}
