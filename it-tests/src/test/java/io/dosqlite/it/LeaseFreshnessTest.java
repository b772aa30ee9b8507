package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Invariant 5 with read leases, across JVMs and against a real workerd: this JVM's commit is
 * acknowledged, then it signals a reader JVM holding a lease, whose next read must see it.
 */
class LeaseFreshnessTest {
    static final long LEASE_MS = 2000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", Long.toString(LEASE_MS));

    @Test
    void readerJvmSeesEveryAcknowledgedCommitWithoutRequests() throws Exception {
        String url = CounterClient.newDatabase(server, "lease");
        try (Reader r = new Reader(url, null); Connection c = TestPageServer.connect(url, "leases", "true");
             Statement s = c.createStatement()) {
            r.read(); // takes the lease and warms the cache
            long requestsBefore = r.read()[1];
            int trials = 60;
            long commitNanos = 0;
            long readNanos = 0;
            for (int i = 1; i <= trials; i++) {
                long t0 = System.nanoTime();
                assertEquals(1, s.executeUpdate("UPDATE counter SET n = " + i + " WHERE id = 1"));
                long t1 = System.nanoTime();
                assertEquals(i, r.read()[0], "trial " + i + ": the reader JVM missed an acknowledged commit");
                commitNanos += t1 - t0;
                readNanos += System.nanoTime() - t1;
            }
            System.out.printf("lease freshness: %d trials, mean commit %.1f ms (one lease holder), mean signal+read %.1f ms%n",
                    trials, commitNanos / 1e6 / trials, readNanos / 1e6 / trials);
            long perRead = r.read()[1] - requestsBefore;
            // pushed pages keep the reader's cache warm: a lease renewal is a socket message, not a request
            assertTrue(perRead <= trials / 10, "reader made " + perRead + " requests in " + trials + " reads after commits");
        }
    }

    /**
     * A commit of rows on pages the reader JVM never read is answered without waiting for it, and
     * its pushes arrive 3 s late here, so each read below starts on the version before the commit,
     * from its cache: it must still return the acknowledged value (its first fetch proves the
     * version and moves the read to the newest one where nothing it read changed).
     */
    @Test
    void aHolderTheCommitDidNotWaitForStillReadsItAfterItsAcknowledgement() throws Exception {
        String url = server.freshJdbcUrl("selective");
        try (Connection c = TestPageServer.connect(url, "leases", "true"); Statement s = c.createStatement()) {
            // two rows a page: the rows read below are each on a page of their own
            s.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad BLOB NOT NULL)");
            s.execute("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 24)"
                    + " INSERT INTO counter SELECT i, 0, zeroblob(1500) FROM r");
        }
        try (Reader r = new Reader(url, "delayMs=3000"); Connection c = TestPageServer.connect(url, "leases", "true");
             Statement s = c.createStatement()) {
            assertEquals(0, r.read(1)[0]); // takes the lease; caches row 1's page and the tree above it
            var stats = c.unwrap(io.dosqlite.jdbc.DosqliteConnection.class);
            for (int id = 24; id >= 16; id -= 2) {
                long held = stats.statistics().heldForHolders();
                long t0 = System.nanoTime();
                assertEquals(1, s.executeUpdate("UPDATE counter SET n = " + id + " WHERE id = " + id));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals(held, stats.statistics().heldForHolders(),
                        "row " + id + ": the commit waited for a holder that never read its page (" + ms + " ms)");
                assertEquals(id, r.read(id)[0], "row " + id + ": the reader JVM missed an acknowledged commit");
            }
        }
    }

    @Test
    void freshUnderDroppedDelayedReorderedInvalidationsAndAcks() throws Exception {
        String url = CounterClient.newDatabase(server, "lease");
        try (Reader r = new Reader(url, "drop=0.2,reorder=0.2,delayMs=20,dropAck=0.2,seed=5");
             Connection c = TestPageServer.connect(url, "leases", "true"); Statement s = c.createStatement()) {
            r.read();
            for (int i = 1; i <= 15; i++) {
                assertEquals(1, s.executeUpdate("UPDATE counter SET n = " + i + " WHERE id = 1"));
                assertEquals(i, r.read()[0], "trial " + i + ": stale read under push faults");
            }
        }
    }

    @Test
    void aStoppedLeaseHolderDelaysCommitsByAtMostOneLeaseAndReadsNothingStaleAfterwards() throws Exception {
        String url = CounterClient.newDatabase(server, "lease");
        try (Reader r = new Reader(url, null); Connection c = TestPageServer.connect(url, "leases", "true");
             Statement s = c.createStatement()) {
            r.read();
            signal(r.process.pid(), "STOP");
            try {
                for (int i = 1; i <= 3; i++) {
                    long t0 = System.nanoTime();
                    assertEquals(1, s.executeUpdate("UPDATE counter SET n = " + i + " WHERE id = 1"));
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(ms <= LEASE_MS + 1500, "commit " + i + " waited " + ms + " ms for a stopped holder");
                }
            } finally {
                signal(r.process.pid(), "CONT");
            }
            assertEquals(3, r.read()[0], "the resumed holder read a stale value");
        }
    }

    @Test
    void workerdKilledAndRestartedWhileALeaseIsHeld() throws Exception {
        String url = CounterClient.newDatabase(server, "lease");
        try (Reader r = new Reader(url, null)) {
            r.read();
            server.kill9Workerd();
            server.restart();
            try (Connection c = TestPageServer.connect(url, "leases", "true"); Statement s = c.createStatement()) {
                assertEquals(1, s.executeUpdate("UPDATE counter SET n = 42 WHERE id = 1"));
            }
            assertEquals(42, r.read()[0], "stale read after a restart");
        }
    }

    /**
     * The restart rule without its full wait: a holder whose socket broke with the kill stops
     * trusting its lease, comes back by itself (it reads nothing meanwhile) and releases the grant,
     * so the restarted object answers the next commit long before the 20 s lease would run out.
     */
    @Test
    void aHolderThatComesBackAfterARestartReleasesItsGrantSoCommitsDoNotWaitItOut() throws Exception {
        long leaseMs = 20_000;
        try (TestPageServer own = TestPageServer.start("--lease-ms", Long.toString(leaseMs))) {
            String url = CounterClient.newDatabase(own, "lease");
            try (Reader r = new Reader(url, null)) {
                r.read();
                own.kill9Workerd();
                own.restart();
                try (Connection c = TestPageServer.connect(url, "leases", "true"); Statement s = c.createStatement()) {
                    long t0 = System.nanoTime();
                    assertEquals(1, s.executeUpdate("UPDATE counter SET n = 7 WHERE id = 1"));
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(ms < leaseMs / 2, "the first commit after the restart waited " + ms + " ms for a holder that had come back");
                }
                assertEquals(7, r.read()[0], "stale read after a restart");
            }
        }
    }

    private static void signal(long pid, String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, k.exitValue());
    }


    /** A reader JVM (LeaseReaderClient) driven line by line. */
    static final class Reader implements AutoCloseable {
        final Process process;
        final PrintWriter out;
        final BufferedReader in;

        Reader(String url, String pushFaults) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
            if (pushFaults != null) {
                cmd.add("-Ddosqlite.test.pushFaults=" + pushFaults);
            }
            cmd.addAll(List.of(LeaseReaderClient.class.getName(), url, TestPageServer.TOKEN));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", in.readLine());
        }

        /** {value, requests so far} of one autocommit SELECT in the reader JVM. */
        long[] read() throws IOException {
            return read(1);
        }

        /** {value of row id, requests so far}. */
        long[] read(int id) throws IOException {
            out.println("read " + id);
            String line = in.readLine();
            assertTrue(line != null && line.startsWith("n "), "reader said " + line);
            String[] p = line.split(" ");
            return new long[] {Long.parseLong(p[1]), Long.parseLong(p[2])};
        }

        @Override
        public void close() throws Exception {
            out.println("quit");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
