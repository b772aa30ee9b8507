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
 * A cold scan of rows too large for a page: each row continues on a chain of overflow pages that
 * only the page before names. The page server follows the chains of the leaves a scan reads ahead
 * (read protocol 2), so the scan costs a few requests, not one per overflow page.
 */
class OverflowScanTest {

    private static final int ROWS = 400;
    private static final int ROW_CHARS = 10_000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void aColdScanOfOverflowingRowsTakesAFewRequests() throws Exception {
        String url = server.freshJdbcUrl("overflow");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            s.execute("INSERT INTO docs " + Sql.series(1, ROWS)
                    + " SELECT value, printf('%." + ROW_CHARS + "c', char(97 + value % 26)) || value FROM series");
        }
        long pages;
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            ClientStats before = stats(c);
            // the last characters are at the end of each chain: SQLite reads every overflow page
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM docs WHERE substr(body, -3) GLOB '*[0-9]'")) {
                rs.next();
                assertEquals(ROWS, rs.getInt(1));
            }
            ClientStats d = stats(c).minus(before);
            try (ResultSet rs = s.executeQuery("PRAGMA page_count")) {
                rs.next();
                pages = rs.getLong(1);
            }
            System.out.println("cold scan of " + ROWS + " rows of " + ROW_CHARS + " characters (" + pages + " pages): " + d);
            assertTrue(d.pagesFetched() >= pages * 9 / 10, "the scan read (nearly) every page: " + d);
            assertTrue(d.requests() <= 12, "overflow chains come with the leaves: " + d);
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }
}
