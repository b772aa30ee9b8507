package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Phase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pipelined commits in one JVM (issue 17). The first commit of a chain is held at a proxy, so its
 * answer cannot have arrived while the test looks: a reader of the same JVM reads the last
 * acknowledged version (the choice this driver makes: reads never see a commit that is not
 * acknowledged), a writer of the same JVM runs on top of it and sends its own commit behind it,
 * and each executeUpdate returns only once its own commit is acknowledged.
 */
class PipelinedCommitsTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    private static void setUp(String url) throws SQLException {
        try (Connection c = TestPageServer.connect(url, "pipelineDepth", "32"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
            s.execute("INSERT INTO t VALUES (1, 0), (2, 0)");
        }
    }

    private static long value(Connection c, int id) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = " + id)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    /** Holds the first commit through the proxy until {@code release}; counts commits that reached the server. */
    private static void holdFirstCommit(FaultProxy proxy, CountDownLatch held, CountDownLatch release,
                                        CountDownLatch secondSent) {
        AtomicInteger commits = new AtomicInteger();
        proxy.rule(r -> {
            if (!r.is("commit")) {
                return Action.PASS;
            }
            int n = commits.incrementAndGet();
            if (n == 1) {
                return Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, () -> {
                    held.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            if (n == 2) {
                return Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, secondSent::countDown);
            }
            return Action.PASS;
        });
    }

    @Test
    void readersSeeOnlyAcknowledgedCommitsWhileWritersPipelineBehindThem() throws Exception {
        String db = TestPageServer.freshName("pipe");
        setUp(server.jdbc(db));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection w1 = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32");
             Connection w2 = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32");
             Connection reader = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32")) {
            assertEquals(0, value(reader, 1)); // warms this JVM's client
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch secondSent = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release, secondSent);
            ClientStats before = stats(w1);
            Future<Integer> first = pool.submit(() -> w1.createStatement().executeUpdate("UPDATE t SET v = v + 1 WHERE id = 1"));
            assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit never reached the proxy");
            // the second writer runs on top of the first commit (row 1 already 1) and sends its own
            Future<Integer> second = pool.submit(() -> w2.createStatement().executeUpdate("UPDATE t SET v = v * 10 + 1 WHERE id = 1"));
            assertTrue(secondSent.await(30, TimeUnit.SECONDS), "the second commit was not sent before the first was answered");
            assertEquals(0, value(reader, 1), "a reader saw a commit that was not acknowledged");
            assertTrue(!first.isDone() && !second.isDone(), "an executeUpdate returned before its commit was acknowledged");
            release.countDown();
            assertEquals(1, first.get(30, TimeUnit.SECONDS));
            assertEquals(1, second.get(30, TimeUnit.SECONDS));
            assertEquals(11, value(reader, 1), "applied in chain order: (0 + 1) * 10 + 1");
            ClientStats d = stats(w1).minus(before);
            assertEquals(1, d.pipelined(), "one commit sent behind one not yet acknowledged");
            assertEquals(0, d.conflicts());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRefusedCommitFailsEveryCommitBuiltOnItAndAutocommitStatementsRunAgain() throws Exception {
        String db = TestPageServer.freshName("pipe");
        setUp(server.jdbc(db));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1);
             Connection w1 = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32");
             Connection w2 = TestPageServer.connect(proxy.jdbc("jvm", db), "pipelineDepth", "32");
             // another JVM, as far as the page server can tell: its own client and cache
             Connection other = TestPageServer.connect(server.jdbc(db).replace("127.0.0.1", "localhost"), "pipelineDepth", "32")) {
            assertEquals(0, value(w1, 1));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch secondSent = new CountDownLatch(1);
            holdFirstCommit(proxy, held, release, secondSent);
            ClientStats before = stats(w1);
            Future<Integer> first = pool.submit(() -> w1.createStatement().executeUpdate("UPDATE t SET v = v + 1 WHERE id = 1"));
            assertTrue(held.await(30, TimeUnit.SECONDS));
            Future<Integer> second = pool.submit(() -> w2.createStatement().executeUpdate("UPDATE t SET v = v + 100 WHERE id = 1"));
            assertTrue(secondSent.await(30, TimeUnit.SECONDS));
            // the other client changes the same row first: the held commit read it, so it is refused
            assertEquals(1, other.createStatement().executeUpdate("UPDATE t SET v = v + 10 WHERE id = 1"));
            release.countDown();
            assertEquals(1, first.get(30, TimeUnit.SECONDS), "no 40001 reaches an autocommit statement");
            assertEquals(1, second.get(30, TimeUnit.SECONDS));
            assertEquals(111, value(w1, 1), "no lost update: every statement applied exactly once");
            assertEquals(111, value(other, 1));
            ClientStats d = stats(w1).minus(before);
            assertTrue(d.conflicts() >= 2, "the held commit and the one built on it were refused: " + d);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eightConnectionsOfOneJvmPipelineAndLoseNoUpdate() throws Exception {
        String db = TestPageServer.freshName("pipe");
        setUp(server.jdbc(db));
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Connection probe = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32")) {
            ClientStats before = stats(probe);
            Future<?>[] fs = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                fs[t] = pool.submit(() -> {
                    try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32"); Statement s = c.createStatement()) {
                        for (int i = 0; i < each; i++) {
                            assertEquals(1, s.executeUpdate("UPDATE t SET v = v + 1 WHERE id = 2"));
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(threads * each, value(probe, 2));
            ClientStats d = stats(probe).minus(before);
            assertTrue(d.pipelined() > 0, "no commit was pipelined: " + d);
        } finally {
            pool.shutdownNow();
        }
    }
}
