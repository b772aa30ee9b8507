package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.LatencyProxy;
import io.dosqlite.testsupport.proxy.WebSocketFaultProxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Invariant 5 with read leases, on the wire: a writer in this JVM gets its commit acknowledged, then
 * tells a reader JVM holding a lease, whose next read must see the write. The reader reaches the
 * page server through a proxy that delays every byte (RTT 20 ms), that drops, delays and reorders
 * the push channel's messages, or that cuts every socket. Trials per run: quick / full mode
 * ({@code -Ddosqlite.reliability.leaseLatencyTrials} etc. override).
 */
class LeaseWireFreshnessTest {
    static final long LEASE_MS = 1000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", Long.toString(LEASE_MS));

    @Test
    void freshBehindALatencyProxy() throws Exception {
        int trials = Rel.n("leaseLatencyTrials", 100, 500);
        String db = newCounter();
        try (LatencyProxy proxy = new LatencyProxy("127.0.0.1", server.port())) {
            proxy.setRttMillis(20);
            long[] r = trials(db, "jdbc:dosqlite:" + proxy.url() + "/" + db, trials, (reader, phase) -> { });
            Rel.figure("lease freshness", "behind a 20 ms RTT proxy: trials, mean commit ms with one remote holder, reader requests",
                    trials + ", " + String.format("%.1f", r[0] / 1e6 / trials) + ", " + r[1]);
            // the reader's pages are pushed, its lease renewed on the socket: reads make (almost) no requests
            assertTrue(r[1] <= trials / 10, "reader made " + r[1] + " requests in " + trials + " reads");
        }
    }

    @Test
    void freshWhenThePushChannelLosesDelaysAndReordersMessages() throws Exception {
        int trials = Rel.n("leaseWireFaultTrials", 100, 300);
        String db = newCounter();
        try (WebSocketFaultProxy proxy = new WebSocketFaultProxy("127.0.0.1", server.port(), Rel.SEED)) {
            proxy.faults(0.05, 0.3, 60, 0.05);
            long[] r = trials(db, "jdbc:dosqlite:" + proxy.url() + "/" + db, trials, (reader, phase) -> { });
            long[] k = proxy.counters();
            Rel.figure("lease freshness", "wire faults: trials, invalidations, dropped, delayed/reordered, acks dropped, mean commit ms",
                    trials + ", " + k[0] + ", " + k[1] + ", " + k[2] + ", " + k[3] + ", " + String.format("%.1f", r[0] / 1e6 / trials));
            assertTrue(k[1] + k[2] + k[3] > 0, "no fault was injected: the reader's push channel did not pass the proxy");
        }
    }

    @Test
    void freshWhenItsSocketsAreCut() throws Exception {
        int trials = Rel.n("leaseCutTrials", 60, 200);
        String db = newCounter();
        try (WebSocketFaultProxy proxy = new WebSocketFaultProxy("127.0.0.1", server.port(), Rel.SEED)) {
            // cut before the commit (the writer then waits out the reader's lease), or after it
            // (the reader may not have noticed the cut when it reads)
            long[] r = trials(db, "jdbc:dosqlite:" + proxy.url() + "/" + db, trials, (reader, phase) -> {
                int kind = phase.trial() % 3;
                if (kind != 2 && phase.stage() == 0) {
                    awaitLease(reader, phase.trial() - 1);
                }
                if (kind == phase.stage()) {
                    proxy.dropConnections();
                }
            });
            Rel.figure("lease freshness", "sockets cut: trials, cuts, mean commit ms, reader requests",
                    trials + ", " + (trials - trials / 3) + ", " + String.format("%.1f", r[0] / 1e6 / trials) + ", " + r[1]);
        }
    }

    /** Where a trial is: stage 0 before the commit, 1 after it (before the reader is told). */
    record Phase(int trial, int stage) {
    }

    interface Hook {
        void at(LeaseReader reader, Phase p) throws Exception;
    }

    /**
     * Reads until a read makes no request, i.e. the reader holds a lease on an open socket again
     * (after a cut it reconnects on its next transaction); each read must see {@code expected}.
     */
    private static void awaitLease(LeaseReader reader, long expected) throws Exception {
        long[] last = reader.read();
        for (int i = 0; i < 50; i++) {
            long[] r = reader.read();
            assertEquals(expected, r[0], "stale read while reconnecting");
            if (r[1] == last[1]) {
                return;
            }
            last = r;
        }
        throw new AssertionError("the reader did not get its lease back within 50 reads");
    }

    /** Runs the trials; {total commit nanos, requests the reader made after warming up}. */
    private static long[] trials(String db, String readerUrl, int trials, Hook hook) throws Exception {
        try (LeaseReader reader = new LeaseReader(readerUrl);
             Connection c = TestPageServer.connect(server.jdbc(db), "leases", "true");
             Statement s = c.createStatement()) {
            reader.read();
            long before = reader.read()[1];
            long commitNanos = 0;
            for (int i = 1; i <= trials; i++) {
                hook.at(reader, new Phase(i, 0));
                long t0 = System.nanoTime();
                assertEquals(1, s.executeUpdate("UPDATE counter SET n = " + i + " WHERE id = 1"));
                commitNanos += System.nanoTime() - t0;
                hook.at(reader, new Phase(i, 1));
                assertEquals(i, reader.read()[0], "trial " + i + ": the reader JVM missed an acknowledged commit");
            }
            return new long[] {commitNanos, reader.read()[1] - before};
        }
    }

    private static String newCounter() throws SQLException {
        String db = TestPageServer.freshName("wire");
        try (Connection c = TestPageServer.connect(server.jdbc(db)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
            s.execute("INSERT INTO counter VALUES (1, 0)");
        }
        return db;
    }
}
