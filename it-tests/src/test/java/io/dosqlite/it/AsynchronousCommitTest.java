package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.LatencyProxy;
import io.dosqlite.testsupport.proxy.Phase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * synchronousCommit=false (issue 17): a connection's commits return once queued in the JVM's
 * commit chain. A loop of autocommit INSERTs behind 20 ms of round trip waits for few of them,
 * reads on the connection see its own queued rows, close() waits for the rest; a queued commit
 * refused later surfaces as 40001 on the connection's next call, with nothing built on it applied.
 */
class AsynchronousCommitTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    private static long one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static long insertLoop(Connection c, int from, int to) throws SQLException {
        ClientStats before = stats(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(id, v) VALUES (?, ?)")) {
            for (int i = from; i <= to; i++) {
                ps.setInt(1, i);
                ps.setString(2, "row " + i);
                assertEquals(1, ps.executeUpdate());
            }
        }
        return stats(c).minus(before).commitWaits();
    }

    /** Holds the first commit through {@code proxy} until {@code release}. */
    private static void holdFirstCommit(FaultProxy proxy, CountDownLatch held, CountDownLatch release) {
        AtomicInteger commits = new AtomicInteger();
        proxy.rule(r -> !r.is("commit") || commits.incrementAndGet() > 1 ? Action.PASS
                : Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, () -> {
                    held.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
    }

    private static void schema(String db) throws SQLException {
        try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
            s.execute("CREATE TABLE log(n INTEGER PRIMARY KEY)");
            s.execute("INSERT INTO t VALUES (1, 0), (2, 0)");
        }
    }

    @Test
    void autocommitInsertsBehindTwentyMillisecondsWaitForFewCommitsAndAllArrive() throws Exception {
        String db = TestPageServer.freshName("async");
        try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        }
        int n = 400;
        int synchronous = 40;
        try (LatencyProxy proxy = new LatencyProxy("127.0.0.1", server.port())) {
            proxy.setRttMillis(20);
            String url = "jdbc:dosqlite:" + proxy.url() + "/" + db;
            try (Connection c = TestPageServer.connect(url, "synchronousCommit", "false",
                    "maxUnacknowledgedCommits", "64", "pipelineDepth", "32")) {
                ClientStats start = stats(c);
                long waits = insertLoop(c, 1, n);
                ClientStats d = stats(c).minus(start);
                System.out.println("FIGURE synchronousCommit=false at RTT 20: " + n + " INSERTs, " + d);
                assertTrue(waits <= n / 16, n + " queued INSERTs waited " + waits + " times for a commit");
                ClientStats before = stats(c);
                assertEquals(n, one(c, "SELECT count(*) FROM t"), "the connection reads its own queued rows");
                assertTrue(stats(c).minus(before).commitWaits() <= 1);
            } // close() waits for what is still queued
            try (Connection c = TestPageServer.connect(url, "pipelineDepth", "32")) {
                long waits = insertLoop(c, n + 1, n + synchronous);
                System.out.println("FIGURE default at RTT 20: " + synchronous + " INSERTs, " + waits + " waits");
                assertTrue(waits >= synchronous / 2, "by default each INSERT waits for its commit: " + waits);
            }
        }
        try (Connection c = TestPageServer.connect(server.jdbc(db).replace("127.0.0.1", "localhost"), "pipelineDepth", "32")) {
            assertEquals(n + synchronous, one(c, "SELECT count(*) FROM t"), "every INSERT is in the database");
            assertEquals(n + synchronous, one(c, "SELECT max(id) FROM t"));
        }
    }

    @Test
    void aQueuedCommitRefusedLaterSurfacesAs40001AndNothingBuiltOnItIsApplied() throws Exception {
        String db = TestPageServer.freshName("async");
        schema(db);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection queued = TestPageServer.connect(proxy.jdbc("jvm", db), "synchronousCommit", "false", "pipelineDepth", "32");
             // another JVM, as far as the page server can tell: its own client and cache
             Connection other = TestPageServer.connect(server.jdbc(db).replace("127.0.0.1", "localhost"), "pipelineDepth", "32");
             Statement q = queued.createStatement()) {
            assertEquals(0, one(queued, "SELECT v FROM t WHERE id = 1"));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release);
            // these return while the first commit is held at the proxy: queued, not acknowledged
            assertEquals(1, q.executeUpdate("UPDATE t SET v = v + 1 WHERE id = 1"));
            assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit never reached the proxy");
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (1)"));
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (2)"));
            // another client changes the row the held commit read: the server refuses the held one
            assertEquals(1, other.createStatement().executeUpdate("UPDATE t SET v = v + 10 WHERE id = 1"));
            release.countDown();
            SQLException e = assertThrows(SQLException.class, () -> one(queued, "SELECT count(*) FROM log"));
            assertEquals("40001", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains("3 commits"), "the message counts what was lost: " + e.getMessage());
            // nothing of the refused commit, nor of the two built on it, was applied
            assertEquals(10, one(other, "SELECT v FROM t WHERE id = 1"));
            assertEquals(0, one(other, "SELECT count(*) FROM log"));
            // reported once: the connection goes on, and sees the database as it is
            assertEquals(10, one(queued, "SELECT v FROM t WHERE id = 1"));
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (3)"));
        }
        try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32")) {
            assertEquals(3, one(c, "SELECT sum(n) FROM log"), "close() waited for the last queued INSERT");
        }
    }

    @Test
    void closeReportsAQueuedCommitRefusedAfterTheLastCall() throws Exception {
        String db = TestPageServer.freshName("async");
        schema(db);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection other = TestPageServer.connect(server.jdbc(db).replace("127.0.0.1", "localhost"), "pipelineDepth", "32")) {
            Connection queued = TestPageServer.connect(proxy.jdbc("jvm", db), "synchronousCommit", "false", "pipelineDepth", "32");
            assertEquals(0, one(queued, "SELECT v FROM t WHERE id = 1"));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release);
            assertEquals(1, queued.createStatement().executeUpdate("UPDATE t SET v = v + 1 WHERE id = 1"));
            assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit never reached the proxy");
            assertEquals(1, other.createStatement().executeUpdate("UPDATE t SET v = v + 10 WHERE id = 1"));
            release.countDown();
            SQLException e = assertThrows(SQLException.class, queued::close);
            assertEquals("40001", e.getSQLState(), e.toString());
            assertTrue(queued.isClosed(), "the connection is closed all the same");
            assertEquals(10, one(other, "SELECT v FROM t WHERE id = 1"));
        }
    }

    @Test
    void anotherConnectionsCommitGoesBehindAQueuedGroupAndAllApplyInOrder() throws Exception {
        String db = TestPageServer.freshName("async");
        schema(db);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection queued = TestPageServer.connect(proxy.jdbc("jvm", db), "synchronousCommit", "false", "pipelineDepth", "32");
             Connection waiting = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32")) {
            assertEquals(0, one(waiting, "SELECT v FROM t WHERE id = 2"));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release);
            Statement q = queued.createStatement();
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (1)"));
            assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit never reached the proxy");
            ClientStats before = stats(queued);
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (2)")); // queued behind it, unsent
            assertEquals(1, q.executeUpdate("INSERT INTO log VALUES (3)")); // joins that group
            assertEquals(1, stats(queued).minus(before).queuedGrouped(), "the third INSERT joined the second's commit");
            // a connection that waits: its commit is built on the group, which must reach the server first
            java.util.concurrent.FutureTask<Integer> update = new java.util.concurrent.FutureTask<>(
                    () -> waiting.createStatement().executeUpdate("UPDATE t SET v = (SELECT sum(n) FROM log) WHERE id = 2"));
            Thread t = new Thread(update);
            t.start();
            release.countDown();
            assertEquals(1, update.get(30, TimeUnit.SECONDS));
            t.join();
            assertEquals(6, one(waiting, "SELECT v FROM t WHERE id = 2"), "the update saw the three queued INSERTs");
            assertEquals(6, one(queued, "SELECT sum(n) FROM log"));
        }
    }

    @Test
    void commitReturnsQueuedAndTheBoundMakesTheNextCommitWaitForTheOldest() throws Exception {
        String db = TestPageServer.freshName("async");
        schema(db);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection queued = TestPageServer.connect(proxy.jdbc("jvm", db), "synchronousCommit", "false",
                     "maxUnacknowledgedCommits", "2", "pipelineDepth", "32")) {
            assertEquals(0, one(queued, "SELECT count(*) FROM log"));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release);
            queued.setAutoCommit(false);
            Statement q = queued.createStatement();
            q.executeUpdate("INSERT INTO log VALUES (1)");
            q.executeUpdate("UPDATE t SET v = 1 WHERE id = 1");
            queued.commit(); // returns queued: its commit is held at the proxy
            assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit never reached the proxy");
            q.executeUpdate("INSERT INTO log VALUES (2)");
            queued.commit(); // the second unacknowledged commit: still within the bound
            q.executeUpdate("INSERT INTO log VALUES (3)");
            ClientStats before = stats(queued);
            java.util.concurrent.FutureTask<Void> third = new java.util.concurrent.FutureTask<>(() -> {
                queued.commit();
                return null;
            });
            Thread t = new Thread(third);
            t.start();
            // the third is over the bound: it waits for the held one
            while (stats(queued).minus(before).commitWaits() == 0 && !third.isDone()) {
                Thread.onSpinWait();
            }
            assertTrue(!third.isDone(), "commit() over maxUnacknowledgedCommits returned before the oldest was acknowledged");
            release.countDown();
            third.get(30, TimeUnit.SECONDS);
            t.join();
            // a transaction that begins by reading waits for the queued commits and sees them
            assertEquals(6, one(queued, "SELECT sum(n) FROM log"));
            assertEquals(1, one(queued, "SELECT v FROM t WHERE id = 1"));
            queued.commit();
        }
        try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32")) {
            assertEquals(6, one(c, "SELECT sum(n) FROM log"));
        }
    }
}
