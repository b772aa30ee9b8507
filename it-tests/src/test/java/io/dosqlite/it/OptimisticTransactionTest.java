package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * Manual-commit transactions whose first statement writes start without a version check
 * (optimisticWrites=true): one request per write transaction, and a stale start still never loses
 * an update or hides a newer commit: the caller gets 40001 and runs the transaction again.
 * "Another client" is a second store in this JVM, reached through {@code localhost} instead of
 * {@code 127.0.0.1}, so it has its own cache and version knowledge.
 */
class OptimisticTransactionTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    private static String otherClient(String url) {
        return url.replace("127.0.0.1", "localhost");
    }

    private static void setUp(String url) throws SQLException {
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
            s.execute("INSERT INTO acct VALUES (1, 100), (2, 100), (7, 0)");
        }
    }

    private static long balance(Connection c, int id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT bal FROM acct WHERE id = ?")) {
            q.setInt(1, id);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next(), "account " + id);
                return rs.getLong(1);
            }
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    /** One transfer: UPDATE, SELECT, UPDATE, COMMIT. */
    private static void transfer(Connection c, int amount) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement u = c.prepareStatement("UPDATE acct SET bal = bal + ? WHERE id = ?")) {
            u.setInt(1, -amount);
            u.setInt(2, 1);
            assertEquals(1, u.executeUpdate());
            balance(c, 1);
            u.setInt(1, amount);
            u.setInt(2, 2);
            assertEquals(1, u.executeUpdate());
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    @Test
    void writeTransactionOnCachedPagesIsOneRequest() throws Exception {
        String url = server.freshJdbcUrl("db");
        setUp(url);
        try (Connection c = TestPageServer.connect(url)) {
            transfer(c, 1); // warms the cache
            ClientStats before = stats(c);
            for (int i = 0; i < 10; i++) {
                transfer(c, 1);
            }
            ClientStats d = stats(c).minus(before);
            assertEquals(10, d.requests(), "10 write transactions: " + d);
            assertEquals(89, balance(c, 1));
            assertEquals(111, balance(c, 2));
        }
    }

    @Test
    void staleStartFailsWith40001AtCommitAndTheRetryLosesNothing() throws Exception {
        // without leases: with one, b's commit reaches a before it is acknowledged (see the next test)
        String url = server.freshJdbcUrl("db") + "?leases=false";
        setUp(url);
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherClient(url))) {
            assertEquals(100, balance(a, 1)); // a caches version v
            transfer(b, 10); // b commits v+1; a does not know
            SQLException e = assertThrows(SQLException.class, () -> transfer(a, 5));
            assertEquals("40001", e.getSQLState(), e.toString());
            transfer(a, 5); // the retry starts on the version the conflict taught a
            assertEquals(85, balance(a, 1));
            assertEquals(85, balance(b, 1));
            assertEquals(115, balance(b, 2));
        }
    }

    @Test
    void withLeasesAnotherClientsCommitReachesTheCacheFirstSoTheStartIsNotStale() throws Exception {
        String url = server.freshJdbcUrl("db");
        setUp(url);
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherClient(url))) {
            // a's socket opens in the background: until a reads on its lease, b need not wait for it
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            long leaseReads = stats(a).leaseReads();
            while (stats(a).leaseReads() == leaseReads) {
                assertTrue(System.nanoTime() < deadline, "a never read on a lease: " + stats(a));
                assertEquals(100, balance(a, 1));
            }
            transfer(b, 10); // acknowledged only once a's lease applied it
            ClientStats before = stats(a);
            transfer(a, 5); // no 40001: a started on the version b's commit made
            ClientStats d = stats(a).minus(before);
            // no version check and no refused try: the commit, plus one fetch of a page a had not read
            assertEquals(1, d.commits(), d.toString());
            assertTrue(d.requests() <= 2, "the commit and at most one page fetch: " + d);
            assertEquals(85, balance(b, 1));
            assertEquals(115, balance(b, 2));
        }
    }

    @Test
    void transactionThatWroteNothingIsCheckedAtCommit() throws Exception {
        // the stale start needs the version-check path: with a lease, b's commit reaches a first
        String url = server.freshJdbcUrl("db") + "?leases=false";
        setUp(url);
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherClient(url))) {
            assertEquals(100, balance(a, 1));
            transfer(b, 10);
            a.setAutoCommit(false);
            try (Statement s = a.createStatement()) {
                assertEquals(0, s.executeUpdate("UPDATE acct SET bal = 0 WHERE id = 99"));
                long seen = balance(a, 1); // read on the stale start: 100, while 90 is committed
                SQLException e = assertThrows(SQLException.class, a::commit);
                assertEquals("40001", e.getSQLState(), "commit after reading " + seen + ": " + e);
                a.rollback();
            } finally {
                a.setAutoCommit(true);
            }
            // unchanged database: the same kind of transaction commits, and reads the current value
            a.setAutoCommit(false);
            try (Statement s = a.createStatement()) {
                s.executeUpdate("UPDATE acct SET bal = 0 WHERE id = 99");
                assertEquals(90, balance(a, 1));
                a.commit();
            } finally {
                a.setAutoCommit(true);
            }
        }
    }

    @Test
    void errorCausedByAStaleStartIsReportedAs40001() throws Exception {
        // a stale start needs the version-check path: with a lease, b's commit may reach a first
        String url = server.freshJdbcUrl("db") + "?leases=false";
        setUp(url);
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherClient(url));
             Statement sb = b.createStatement()) {
            assertEquals(0, balance(a, 7));
            sb.executeUpdate("DELETE FROM acct WHERE id = 7");
            a.setAutoCommit(false);
            try (Statement s = a.createStatement()) {
                // on a's old version row 7 still exists, so the INSERT fails with a UNIQUE violation
                // that the current database would not raise
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO acct VALUES (7, 1)"));
                assertEquals("40001", e.getSQLState(), e.toString());
                a.rollback();
                assertEquals(1, s.executeUpdate("INSERT INTO acct VALUES (7, 1)"));
                a.commit();
            } finally {
                a.setAutoCommit(true);
            }
            assertEquals(1, balance(b, 7));
        }
    }

    @Test
    void staleAutocommitPreparedUpdateRunsAgainAndLosesNothing() throws Exception {
        String url = server.freshJdbcUrl("db");
        setUp(url);
        try (Connection a = TestPageServer.connect(url); Connection b = TestPageServer.connect(otherClient(url));
             PreparedStatement inc = a.prepareStatement("UPDATE acct SET bal = bal + 1 WHERE id = ?")) {
            inc.setInt(1, 1);
            assertEquals(1, inc.executeUpdate()); // a knows this version now
            assertEquals(101, balance(b, 1)); // so does b
            transfer(b, 10); // b commits; a's next update starts on an old version
            assertEquals(1, inc.executeUpdate());
            assertEquals(1, inc.executeUpdate(), "the prepared statement still works");
            assertEquals(93, balance(b, 1));
        }
    }

    @Test
    void checkedStartWhenOptimisticWritesIsOff() throws Exception {
        String url = server.freshJdbcUrl("db");
        setUp(url);
        // the checked start's version check is what is counted: without leases (with one it is free)
        String checked = url + "?optimisticWrites=false&leases=false";
        try (Connection a = TestPageServer.connect(checked); Connection b = TestPageServer.connect(otherClient(url))) {
            assertEquals(100, balance(a, 1));
            transfer(b, 10);
            transfer(a, 5); // checks first: sees b's commit, no 40001
            ClientStats before = stats(a);
            transfer(a, 5);
            assertEquals(2, stats(a).minus(before).requests(), "version check + commit");
            assertEquals(80, balance(b, 1));
            assertEquals(120, balance(b, 2));
        }
    }
}
