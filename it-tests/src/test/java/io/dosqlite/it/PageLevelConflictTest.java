package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * Page-level conflict detection across clients (issue 17). Two clients (two stores, as two JVMs
 * would have) start transactions on the same version; one commits first. The other's commit is
 * accepted when nothing it read or wrote changed, and refused (40001) when it read a page the first
 * changed: write skew and read-then-write stay serializable. Each row fills its own leaf page.
 */
class PageLevelConflictTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    private static String setUp() throws SQLException {
        String url = server.freshJdbcUrl("pages");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL, pad TEXT NOT NULL)");
            for (int i = 1; i <= 4; i++) {
                s.execute("INSERT INTO acct VALUES (" + i + ", 100, printf('%.3000c', 'x'))");
            }
        }
        return url;
    }

    private static String otherJvm(String url) {
        return url.replace("127.0.0.1", "localhost");
    }

    private static long bal(Connection c, int id) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT bal FROM acct WHERE id = " + id)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static long sum(Connection c, String ids) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT sum(bal) FROM acct WHERE id IN (" + ids + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void writersOnDifferentPagesBothCommit() throws Exception {
        String url = setUp();
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherJvm(url))) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            assertEquals(100, bal(a, 1));
            assertEquals(100, bal(b, 2)); // both transactions read the same version
            a.createStatement().executeUpdate("UPDATE acct SET bal = bal + 1 WHERE id = 1");
            a.commit();
            ClientStats before = b.unwrap(DosqliteConnection.class).statistics().snapshot();
            b.createStatement().executeUpdate("UPDATE acct SET bal = bal + 2 WHERE id = 2");
            b.commit(); // based on the older version: accepted, nothing it read changed
            ClientStats d = b.unwrap(DosqliteConnection.class).statistics().snapshot().minus(before);
            assertEquals(1, d.merged(), "landed on a newer version than its base: " + d);
            assertEquals(0, d.conflicts());
            a.setAutoCommit(true);
            b.setAutoCommit(true);
            assertEquals(101, bal(b, 1), "b's cache dropped the page a changed");
            assertEquals(102, bal(a, 2));
            try (Statement s = a.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
        }
    }

    @Test
    void writeSkewIsRefused() throws Exception {
        String url = setUp();
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherJvm(url))) {
            // rule: accounts 1 and 2 together never go below 0; each checks, then withdraws 150 from one
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            assertEquals(200, sum(a, "1, 2"));
            assertEquals(200, sum(b, "1, 2"));
            a.createStatement().executeUpdate("UPDATE acct SET bal = bal - 150 WHERE id = 1");
            a.commit();
            b.createStatement().executeUpdate("UPDATE acct SET bal = bal - 150 WHERE id = 2");
            SQLException e = assertThrows(SQLException.class, b::commit, "b read account 1, which a changed");
            assertEquals("40001", e.getSQLState());
            b.rollback();
            assertEquals(50, sum(b, "1, 2"), "the retry sees a's withdrawal and would refuse");
            b.commit();
        }
    }

    @Test
    void readThenWriteOfAChangedPageIsRefused() throws Exception {
        String url = setUp();
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherJvm(url))) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            assertEquals(100, bal(a, 3));
            long seen = bal(b, 3);
            a.createStatement().executeUpdate("UPDATE acct SET bal = 0 WHERE id = 3");
            a.commit();
            // b writes into account 4 what it computed from account 3: based on a value that changed
            b.createStatement().executeUpdate("UPDATE acct SET bal = " + (seen + 5) + " WHERE id = 4");
            assertEquals("40001", assertThrows(SQLException.class, b::commit).getSQLState());
            b.rollback();
            b.setAutoCommit(true);
            assertEquals(100, bal(b, 4), "nothing of the refused transaction was applied");
            assertEquals(0, bal(b, 3));
        }
    }
}
