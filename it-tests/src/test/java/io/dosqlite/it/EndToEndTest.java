package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The driver against a real page server in workerd, as a user drives it. */
class EndToEndTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void crudThroughDriverManager() throws SQLException {
        String url = server.freshJdbcUrl("db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)");
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO item(name, qty) VALUES (?, ?)")) {
                for (int i = 0; i < 100; i++) {
                    ins.setString(1, "item-" + i);
                    ins.setInt(2, i);
                    ins.executeUpdate();
                }
            }
            assertEquals(1, s.executeUpdate("UPDATE item SET qty = 1000 WHERE name = 'item-7'"));
            assertEquals(10, s.executeUpdate("DELETE FROM item WHERE id > 90"));
            try (ResultSet rs = s.executeQuery("SELECT count(*), sum(qty) FROM item")) {
                assertTrue(rs.next());
                assertEquals(90, rs.getInt(1));
                assertEquals(sum(0, 89) - 7 + 1000, rs.getLong(2));
            }
            assertEquals(c, s.getConnection());
        }
        // A new connection (new cache, new JVM-level handle) reads it back from the server.
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT qty FROM item WHERE name = 'item-7'")) {
            assertTrue(rs.next());
            assertEquals(1000, rs.getInt(1));
        }
    }

    @Test
    void rolledBackTransactionLeavesNoTrace() throws SQLException {
        String url = server.freshJdbcUrl("db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(x)");
            s.execute("INSERT INTO t VALUES (1)");
            long commitsBefore = stats(c).commits();
            c.setAutoCommit(false);
            s.execute("INSERT INTO t " + Sql.series(2, 5000) + " SELECT value FROM series");
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(commitsBefore, stats(c).commits(), "a rollback must send no commit");
        }
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void dataSurvivesClosingEveryConnectionAndRestartingTheServer() throws Exception {
        try (TestPageServer own = TestPageServer.start()) {
            String url = "jdbc:dosqlite:" + own.url() + "/durable";
            try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB)");
                s.execute("INSERT INTO kv " + Sql.series(1, 2000) + " SELECT 'k' || value, randomblob(300) FROM series");
            }
            own.restart();
            String newUrl = "jdbc:dosqlite:" + own.url() + "/durable";
            try (Connection c = TestPageServer.connect(newUrl); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(length(v)) FROM kv")) {
                    rs.next();
                    assertEquals(2000, rs.getInt(1));
                    assertEquals(600_000, rs.getLong(2));
                }
                try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                    rs.next();
                    assertEquals("ok", rs.getString(1));
                }
            }
        }
    }

    @Test
    void preparedStatementsKeepWorkingAfterTheServerWasAway() throws Exception {
        try (TestPageServer own = TestPageServer.start()) {
            String url = "jdbc:dosqlite:" + own.url() + "/comeback?maxRetries=0";
            try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE n(x INTEGER)");
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO n VALUES (?)");
                     PreparedStatement count = c.prepareStatement("SELECT count(*) FROM n")) {
                    ins.setInt(1, 1);
                    ins.executeUpdate();
                    own.stop();
                    ins.setInt(1, 2);
                    SQLException down = assertThrows(SQLException.class, ins::executeUpdate);
                    assertTrue(down.getSQLState().startsWith("08"), down.getSQLState() + " " + down.getMessage());
                    assertThrows(SQLException.class, count::executeQuery);
                    own.restart();
                    assertEquals(1, ins.executeUpdate(), "the same PreparedStatement, with its parameter");
                    try (ResultSet rs = count.executeQuery()) {
                        rs.next();
                        assertEquals(2, rs.getInt(1));
                    }
                }
            }
        }
    }

    @Test
    void secondIdenticalQueryIsServedFromTheCache() throws SQLException {
        String url = server.freshJdbcUrl("db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, pad TEXT)");
            s.execute("INSERT INTO big " + Sql.series(1, 3000) + " SELECT value, printf('%.500c', 'x') FROM series");
        }
        // A new connection starts with a cold cache: the first query fetches, the second must not.
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            String q = "SELECT count(*), sum(length(pad)) FROM big";
            ClientStats before = stats(c).snapshot();
            query(s, q);
            ClientStats afterFirst = stats(c).snapshot();
            query(s, q);
            ClientStats afterSecond = stats(c).snapshot();
            long firstRequests = afterFirst.requests() - before.requests();
            long secondRequests = afterSecond.requests() - afterFirst.requests();
            assertTrue(secondRequests <= 1, "second identical query made " + secondRequests + " requests");
            assertTrue(firstRequests >= secondRequests, "first " + firstRequests + ", second " + secondRequests);
            assertEquals(0, afterSecond.pagesFetched() - afterFirst.pagesFetched(), "no page refetched");
        }
    }

    @Test
    void wrongTokenIsRejectedWithAuthorizationState() {
        Properties p = new Properties();
        p.setProperty("token", "not-the-token");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(server.freshJdbcUrl("db"), p));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().toLowerCase().contains("token"), e.getMessage());
    }

    @Test
    void missingDatabaseWithCreateFalseSaysHowToCreateIt() {
        Properties p = TestPageServer.properties();
        p.setProperty("create", "false");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(server.freshJdbcUrl("db"), p));
        assertEquals("08004", e.getSQLState());
        assertTrue(e.getMessage().contains("create"), e.getMessage());
    }

    @Test
    void serverDownFailsFastWithConnectionState() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        long start = System.nanoTime();
        SQLException e = assertThrows(SQLException.class,
                () -> TestPageServer.connect("jdbc:dosqlite:http://127.0.0.1:" + port + "/db?maxRetries=1"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getSQLState().startsWith("08"), e.getSQLState() + ": " + e.getMessage());
        assertTrue(millis < 15_000, "took " + millis + " ms");
    }

    @Test
    void malformedUrlAndUnknownPropertyAreClearErrors() {
        SQLException bad = assertThrows(SQLException.class,
                () -> DriverManager.getConnection("jdbc:dosqlite:http://127.0.0.1:1", TestPageServer.properties()));
        assertEquals("08001", bad.getSQLState());
        SQLException unknown = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(server.freshJdbcUrl("db") + "?cache=1", TestPageServer.properties()));
        assertEquals("08001", unknown.getSQLState());
        assertTrue(unknown.getMessage().contains("cache"), unknown.getMessage());
    }

    @Test
    void isValidReachesTheServerAndSqlErrorsCarryStates() throws Exception {
        String url = server.freshJdbcUrl("db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            assertTrue(c.isValid(5));
            s.execute("CREATE TABLE u(x UNIQUE)");
            s.execute("INSERT INTO u VALUES (1)");
            SQLException dup = assertThrows(SQLException.class, () -> s.execute("INSERT INTO u VALUES (1)"));
            assertEquals("23000", dup.getSQLState());
            SQLException syntax = assertThrows(SQLException.class, () -> s.execute("SELEKT 1"));
            assertEquals("42000", syntax.getSQLState());
        }
    }

    @Test
    void walAndJournalOffAreRefused() throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("db")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(x)");
            assertThrows(SQLException.class, () -> s.execute("PRAGMA journal_mode=WAL"));
            assertThrows(SQLException.class, () -> s.execute("PRAGMA journal_mode=OFF"));
            s.execute("INSERT INTO t VALUES (1)");
        }
    }

    @Test
    void readOnlyConnectionCannotWrite() throws SQLException {
        String url = server.freshJdbcUrl("db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(x)");
        }
        Properties p = TestPageServer.properties();
        p.setProperty("readOnly", "true");
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
            query(s, "SELECT count(*) FROM t");
            SQLException e = assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES (1)"));
            assertFalse(e.getSQLState() == null, "SQLState must be set");
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics();
    }

    private static void query(Statement s, String q) throws SQLException {
        try (ResultSet rs = s.executeQuery(q)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    private static long sum(int from, int to) {
        long total = 0;
        for (int i = from; i <= to; i++) {
            total += i;
        }
        return total;
    }
}
