package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Rule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * I/O-error sweep: a workload runs through the fault proxy with request k failing (reset, 500,
 * 500 after the server applied it, timeout, short body, truncated body, a flipped bit), for
 * k = 1..K, once and persistently from k on. Every run must end in success or an SQLException
 * with an expected SQLState within a time bound; afterwards the same connection (or a new one)
 * works and the database is consistent (integrity ok, checksum row matches, no half-transaction).
 */
class IoErrorSweepTest {
    /** SQLStates a user may see from a failed network call. */
    static final Set<String> CLEAN = Set.of("08001", "08006", "08007", "08S01", "40001", "XX001", "58030");
    static final int READ_TIMEOUT_S = 2;

    @Test
    void everyFailedRequestEndsInSuccessOrACleanErrorAndNeverCorrupts() throws Exception {
        Fault[] faults = {Fault.RESET_BEFORE, Fault.DROP_AFTER, Fault.ERROR_500_BEFORE, Fault.ERROR_500_AFTER,
            Fault.SHORT_BODY, Fault.TRUNCATE, Fault.BITFLIP, Fault.STALL_AFTER};
        ExecutorService exec = Executors.newSingleThreadExecutor();
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> byFault = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int runs = 0;
        int injected = 0;
        int corruptions = 0;
        long worstMs = 0;
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            // a clean run counts the requests K of the workload
            String cleanDb = TestPageServer.freshName("io-clean");
            seed(server.jdbc(cleanDb));
            proxy.resetCounters();
            try (Connection c = TestPageServer.connect(proxy.jdbc("clean", cleanDb), "readTimeout", "" + READ_TIMEOUT_S)) {
                workload(c);
            }
            int k = proxy.requests();
            Rel.figure("I/O-error sweep", "requests in the clean workload (K)", k);
            boolean[] persistentModes = {false, true};
            for (boolean persistent : persistentModes) {
                for (Fault f : faults) {
                    int step = f == Fault.STALL_AFTER ? (Rel.FULL ? 4 : Math.max(1, k / 2)) : (persistent ? Rel.n("ioStepPersistent", 4, 2) : Rel.n("ioStep", 3, 1));
                    if (persistent && f == Fault.STALL_AFTER) {
                        step = Rel.FULL ? 7 : k; // persistent stalls cost (retries + 1) timeouts each
                    }
                    for (int i = 1 + (runs % step); i <= k; i += step) {
                        runs++;
                        String db = TestPageServer.freshName("io");
                        seed(server.jdbc(db)); // existing data: the cold client must read pages from the server
                        String prefix = "io" + runs;
                        int target = i;
                        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
                        Action a = Action.of(f, f == Fault.STALL_AFTER ? (READ_TIMEOUT_S * 1000L + 1000) : 0);
                        proxy.rule(r -> {
                            int n = seen.incrementAndGet();
                            return (persistent ? n >= target : n == target) ? a : Action.PASS;
                        });
                        int before = proxy.applied(f);
                        String label = f + (persistent ? " from request " : " at request ") + i;
                        long t0 = System.nanoTime();
                        Connection[] holder = new Connection[1];
                        Future<String> run = exec.submit(() -> {
                            try {
                                holder[0] = TestPageServer.connect(proxy.jdbc(prefix, db), "readTimeout", "" + READ_TIMEOUT_S);
                                workload(holder[0]);
                                return "success";
                            } catch (AssertionError e) {
                                if (String.valueOf(e.getMessage()).contains("unable to get the page")) {
                                    // see CorruptionTest#integrityCheckDuringATransportFaultRaisesTheErrorInsteadOfReportingDamage
                                    return "integrity_check row 'unable to get the page'";
                                }
                                throw e;
                            } catch (SQLException e) {
                                if (e.getSQLState() == null || !CLEAN.contains(e.getSQLState())) {
                                    return "UNCLEAN " + Rel.describe(e);
                                }
                                if (e.getMessage() == null || e.getMessage().isBlank()) {
                                    return "UNCLEAN empty message";
                                }
                                return e.getSQLState();
                            }
                        });
                        String outcome;
                        try {
                            outcome = run.get(persistent ? 120 : 60, TimeUnit.SECONDS);
                        } catch (TimeoutException e) {
                            run.cancel(true);
                            outcome = "HANG";
                        } catch (java.util.concurrent.ExecutionException e) {
                            outcome = "UNCLEAN " + e.getCause();
                        }
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        worstMs = Math.max(worstMs, ms);
                        proxy.pass();
                        int appliedNow = proxy.applied(f) - before;
                        injected += appliedNow;
                        outcomes.merge(outcome.startsWith("UNCLEAN") ? "UNCLEAN" : outcome, 1, Integer::sum);
                        byFault.merge(f + (persistent ? "/persistent" : "/once") + " -> " + (outcome.startsWith("integrity") ? outcome : outcome.split(" ")[0])
                                + (appliedNow == 0 ? " (not applicable: no page body)" : ""), 1, Integer::sum);
                        if (outcome.startsWith("UNCLEAN") || outcome.equals("HANG")) {
                            failures.add(label + ": " + outcome);
                        }
                        // the same connection keeps working (or says clearly that it is closed)
                        Connection same = holder[0];
                        if (same != null) {
                            try {
                                Rel.rollbackQuietly(same);
                                same.setAutoCommit(true);
                                Rel.one(same, "SELECT count(*) FROM sqlite_master");
                            } catch (SQLException e) {
                                failures.add(label + ": the connection is unusable after the fault stopped: " + Rel.describe(e));
                            } finally {
                                Rel.closeQuietly(same);
                            }
                        }
                        // a new client sees a consistent database and can finish the workload
                        try (Connection fresh = TestPageServer.connect(proxy.jdbc(prefix + "v", db), "readTimeout", "10")) {
                            String problem = consistency(fresh);
                            if (problem != null) {
                                corruptions++;
                                failures.add(label + ": CORRUPTION " + problem);
                            } else {
                                workload(fresh);
                                problem = consistency(fresh);
                                if (problem != null) {
                                    corruptions++;
                                    failures.add(label + ": CORRUPTION after rerun " + problem);
                                }
                            }
                        } catch (SQLException e) {
                            failures.add(label + ": a new connection does not work after the fault: " + Rel.describe(e));
                        }
                    }
                }
            }
        } finally {
            exec.shutdownNow();
        }
        String t = "I/O-error sweep";
        Rel.figure(t, "runs", runs);
        Rel.figure(t, "faults injected", injected);
        Rel.figure(t, "outcomes", outcomes);
        Rel.figure(t, "outcomes by fault", byFault);
        Rel.figure(t, "corruptions", corruptions);
        Rel.figure(t, "slowest run (ms)", worstMs);
        Rel.figure(t, "unclean errors, hangs or unusable connections", failures.size());
        assertTrue(failures.isEmpty(), failures.size() + " problem(s):\n" + String.join("\n", failures));
        assertEquals(0, corruptions);
    }

    /**
     * Chaos soak: every request (of two clients writing the same database) fails with probability
     * p, with a random fault. Transactions either complete or fail cleanly and are retried by the
     * application; the checksum row always matches the rows and every acknowledged row is there.
     */
    @Test
    void randomFaultsOnEveryRequestNeverCorruptOrLoseAcknowledgedWork() throws Exception {
        int txns = Rel.n("chaosTransactions", 120, 600);
        double p = 0.08;
        Fault[] kinds = {Fault.RESET_BEFORE, Fault.DROP_AFTER, Fault.ERROR_500_BEFORE, Fault.ERROR_500_AFTER,
            Fault.SHORT_BODY, Fault.TRUNCATE, Fault.BITFLIP, Fault.WRONG_PAGE, Fault.DELAY};
        Map<String, Integer> errors = new TreeMap<>();
        String db = TestPageServer.freshName("chaos");
        java.util.Set<Long> acked = new java.util.HashSet<>();
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            seed(server.jdbc(db));
            Rule chaos = Rule.random(r -> true, p, Rel.SEED, kinds);
            proxy.rule(chaos);
            Connection[] clients = {TestPageServer.connect(proxy.jdbc("x", db), "readTimeout", "5"), TestPageServer.connect(proxy.jdbc("y", db), "readTimeout", "5")};
            long nextId = 1_000_000;
            int done = 0;
            int attempts = 0;
            while (done < txns) {
                attempts++;
                if (attempts > txns * 20) {
                    throw new AssertionError("no progress: " + errors);
                }
                Connection c = clients[attempts % 2];
                long id = nextId;
                try {
                    c.setAutoCommit(false);
                    Rel.exec(c, "INSERT INTO t VALUES (" + id + ", 'chaos')", "UPDATE meta SET n = n + 1, s = s + " + id + " WHERE k = 1");
                    c.commit();
                    acked.add(id);
                    nextId++;
                    done++;
                } catch (SQLException e) {
                    Rel.rollbackQuietly(c);
                    errors.merge(String.valueOf(e.getSQLState()), 1, Integer::sum);
                    if (e.getSQLState() == null || !CLEAN.contains(e.getSQLState())) {
                        throw new AssertionError("unclean error " + Rel.describe(e), e);
                    }
                    // the application does not know whether row id landed (08007): look, then go on
                    proxy.pass();
                    try (Connection check = TestPageServer.connect(server.jdbc(db))) {
                        if (Rel.one(check, "SELECT count(*) FROM t WHERE id = " + id) == 1) {
                            nextId++;
                            done++;
                        }
                    }
                    proxy.rule(chaos);
                } finally {
                    c.setAutoCommit(true);
                }
            }
            proxy.pass();
            int faults = proxy.appliedTotal();
            for (Connection c : clients) {
                Rel.closeQuietly(c);
            }
            try (Connection v = TestPageServer.connect(server.jdbc(db))) {
                String problem = consistency(v);
                long chaosRows = Rel.one(v, "SELECT count(*) FROM t WHERE id >= 1000000");
                long missing = acked.stream().filter(id -> {
                    try {
                        return Rel.one(v, "SELECT count(*) FROM t WHERE id = " + id) == 0;
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }).count();
                String t = "I/O-error sweep: random faults (p = " + p + " per request, two clients)";
                Rel.figure(t, "transactions completed", done + " (" + attempts + " attempts)");
                Rel.figure(t, "faults injected", faults);
                Rel.figure(t, "errors seen by the application", errors);
                Rel.figure(t, "acknowledged rows missing", missing);
                Rel.figure(t, "consistency problems", problem == null ? 0 : problem);
                assertEquals(null, problem);
                assertEquals(0, missing);
                assertEquals(txns, chaosRows, "rows: one per completed transaction, none twice");
                assertTrue(faults > 0);
            }
        }
    }

    /** Creates the tables with 60 rows (one checksum-consistent state) through a direct client. */
    static void seed(String url) throws SQLException {
        try (Connection c = TestPageServer.connect(url)) {
            workload(c);
        }
    }

    /** Tables, then three transactions of 20 rows with a checksum row; reads check the checksum. */
    static void workload(Connection c) throws SQLException {
        c.setAutoCommit(true);
        Rel.exec(c, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS meta(k INTEGER PRIMARY KEY, n INTEGER NOT NULL, s INTEGER NOT NULL)",
                "INSERT OR IGNORE INTO meta VALUES (1, 0, 0)");
        for (int round = 0; round < 3; round++) {
            long base = Rel.one(c, "SELECT coalesce(max(id), 0) FROM t");
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                long sum = 0;
                for (long id = base + 1; id <= base + 20; id++) {
                    ins.setLong(1, id);
                    ins.setString(2, "v".repeat(300) + id);
                    ins.executeUpdate();
                    sum += id;
                }
                Rel.exec(c, "UPDATE meta SET n = n + 20, s = s + " + sum + " WHERE k = 1");
                c.commit();
            } catch (SQLException e) {
                Rel.rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            String problem = consistency(c);
            if (problem != null) {
                throw new AssertionError("inconsistent read: " + problem);
            }
        }
    }

    /** Null if the database is consistent, else what is wrong. */
    static String consistency(Connection c) throws SQLException {
        if (Rel.one(c, "SELECT count(*) FROM sqlite_master WHERE name IN ('t', 'meta')") < 2) {
            String ok = Rel.integrity(c);
            return "ok".equals(ok) ? null : ok;
        }
        c.setAutoCommit(false);
        try {
            String ok = Rel.integrity(c);
            if (!"ok".equals(ok)) {
                return "integrity_check: " + ok;
            }
            long[] agg = Rel.longs(c, "SELECT count(*), coalesce(sum(id), 0), coalesce(max(id), 0) FROM t");
            long[] meta = Rel.longs(c, "SELECT coalesce(max(n), 0), coalesce(max(s), 0) FROM meta");
            if (agg[0] != meta[0] || agg[1] != meta[1]) {
                return "rows (count " + agg[0] + ", sum " + agg[1] + ", max " + agg[2] + ") vs checksum row (n " + meta[0]
                        + ", s " + meta[1] + ")";
            }
            return null;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }
}
