package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What connection pools rely on (DESIGN.md, Java facts): isValid reaches the server,
 * setNetworkTimeout bounds a hung server with an SQLTimeoutException, abort cancels calls in
 * flight. The server "hangs" for real: its workerd process is stopped with SIGSTOP.
 */
class PoolContractTest {

    @Test
    void aHungServerIsDetectedBoundedAndAbortable() throws Exception {
        ExecutorService executor = Executors.newCachedThreadPool();
        try (TestPageServer server = TestPageServer.start()) {
            // leases=false: with a lease a warm read answers from the cache while the lease lasts, so
            // no call would reach the hung server for the timeout to bound
            String url = server.freshJdbcUrl("db") + "?maxRetries=0&leases=false";
            try (Connection c = TestPageServer.connect(url); Connection other = TestPageServer.connect(url)) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE t(x)");
                    s.execute("INSERT INTO t VALUES (1)");
                }
                assertTrue(c.isValid(2));
                c.setNetworkTimeout(executor, 1000);
                assertEquals(1000, c.getNetworkTimeout());

                signal(server, "STOP");
                try {
                    long start = System.nanoTime();
                    SQLException timeout = assertThrows(SQLException.class, () -> count(c));
                    assertInstanceOf(SQLTimeoutException.class, timeout, timeout.toString());
                    assertTrue(elapsedMillis(start) < 10_000, "timeout took " + elapsedMillis(start) + " ms");

                    start = System.nanoTime();
                    assertFalse(c.isValid(1), "isValid must ask the server");
                    assertTrue(elapsedMillis(start) < 5_000, "isValid took " + elapsedMillis(start) + " ms");

                    // A call stuck on the hung server ends as soon as the connection is aborted.
                    c.setNetworkTimeout(executor, 0);
                    CompletableFuture<Throwable> stuck = CompletableFuture.supplyAsync(() -> {
                        try {
                            count(other);
                            return null;
                        } catch (Throwable t) {
                            return t;
                        }
                    }, executor);
                    Thread.sleep(500);
                    assertFalse(stuck.isDone(), "the query should be waiting on the hung server");
                    start = System.nanoTime();
                    c.abort(executor);
                    Throwable failure = stuck.get(5, TimeUnit.SECONDS);
                    assertInstanceOf(SQLException.class, failure);
                    assertTrue(((SQLException) failure).getSQLState().startsWith("08"), failure.toString());
                    assertTrue(elapsedMillis(start) < 5_000, "abort took " + elapsedMillis(start) + " ms");
                    awaitClosed(c);
                } finally {
                    signal(server, "CONT");
                }
                assertTrue(other.isValid(5), "the server answers again");
                assertEquals(1, count(other));
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private static int count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void signal(TestPageServer server, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(server.workerdPid())).start();
        assertEquals(0, kill.waitFor());
    }

    private static void awaitClosed(Connection c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(c.isClosed(), "abort must close the connection");
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
