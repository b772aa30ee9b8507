package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Snapshot reads (invariant 4) and fresh reads (invariant 5), between separate clients: each
 * client is its own page cache and lock table (different URL prefixes through the pass-through
 * proxy, or the server directly), as separate applications would be.
 */
class SnapshotFreshnessTest {
    @RegisterExtension
    static final TestPageServer env = new TestPageServer().withFaultProxy(Rel.SEED);

    @Test
    void readersNeverSeeAMalformedOrMixedVersionDatabaseWhileWritersCommit() throws Exception {
        int seconds = Rel.n("snapshotSeconds", 10, 45);
        String db = TestPageServer.freshName("snap");
        int wideRows = 400;
        long wideSum = 0;
        try (Connection c = TestPageServer.connect(env.jdbc(db))) {
            Rel.exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT NOT NULL)",
                    "CREATE TABLE meta(k INTEGER PRIMARY KEY, n INTEGER NOT NULL, s INTEGER NOT NULL)",
                    "INSERT INTO meta VALUES (1, 0, 0)",
                    "CREATE TABLE wide(id INTEGER PRIMARY KEY, x INTEGER NOT NULL, pad BLOB NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO wide VALUES (?, ?, randomblob(900))")) {
                for (int i = 1; i <= wideRows; i++) {
                    ps.setInt(1, i);
                    ps.setInt(2, i);
                    ps.executeUpdate();
                    wideSum += i;
                }
            }
            c.commit();
        }
        long expectedWide = wideSum;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        AtomicLong conflicts = new AtomicLong();
        AtomicLong integrityChecks = new AtomicLong();
        AtomicLong aggregateReads = new AtomicLong();
        AtomicLong malformed = new AtomicLong();
        AtomicLong mixed = new AtomicLong();
        AtomicLong retryable = new AtomicLong();
        List<String> problems = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        // writers: two separate clients
        for (String url : new String[] {env.jdbc(db), env.proxy().jdbc("writer2", db)}) {
            threads.add(new Thread(() -> {
                Random rnd = new Random(url.hashCode());
                try (Connection w = TestPageServer.connect(url)) {
                    long id = url.contains("writer2") ? 1_000_000_000L : 0;
                    while (!stop.get()) {
                        try {
                            Rel.exec(w, "BEGIN IMMEDIATE");
                            long v = 1 + rnd.nextInt(1000);
                            id++;
                            Rel.exec(w, "INSERT INTO t VALUES (" + id + ", " + v + ", hex(randomblob(" + rnd.nextInt(600) + ")))",
                                    "UPDATE meta SET n = n + 1, s = s + " + v + " WHERE k = 1");
                            int a = 1 + rnd.nextInt(wideRows);
                            int b = 1 + rnd.nextInt(wideRows);
                            int amt = rnd.nextInt(50);
                            Rel.exec(w, "UPDATE wide SET x = x - " + amt + ", pad = randomblob(900) WHERE id = " + a,
                                    "UPDATE wide SET x = x + " + amt + " WHERE id = " + b,
                                    "COMMIT");
                            commits.incrementAndGet();
                        } catch (SQLException e) {
                            try {
                                Rel.exec(w, "ROLLBACK");
                            } catch (SQLException ignored) {
                                // none active
                            }
                            if ("40001".equals(e.getSQLState())) {
                                conflicts.incrementAndGet();
                            } else {
                                synchronized (problems) {
                                    problems.add("writer: " + Rel.describe(e));
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    synchronized (problems) {
                        problems.add("writer connection: " + Rel.describe(e));
                    }
                }
            }));
        }
        // readers: integrity_check loop (cold-ish: small cache) and multi-statement read transactions
        String[][] readers = {{env.proxy().jdbc("r-integrity", db), "cacheSize", "64MB"}, {env.proxy().jdbc("r-integrity-small", db), "cacheSize", "512KB"},
            {env.proxy().jdbc("r-agg", db), "cacheSize", "64MB"}, {env.proxy().jdbc("r-agg-small", db), "cacheSize", "128KB"}};
        for (int r = 0; r < readers.length; r++) {
            String[] spec = readers[r];
            boolean integrity = r < 2;
            threads.add(new Thread(() -> {
                try (Connection c = TestPageServer.connect(spec[0], spec[1], spec[2])) {
                    while (!stop.get()) {
                        try {
                            if (integrity) {
                                String ok = Rel.integrity(c);
                                integrityChecks.incrementAndGet();
                                if (!"ok".equals(ok)) {
                                    malformed.incrementAndGet();
                                    synchronized (problems) {
                                        problems.add("integrity_check: " + ok);
                                    }
                                }
                                continue;
                            }
                            c.setAutoCommit(false);
                            long[] meta1 = Rel.longs(c, "SELECT n, s FROM meta WHERE k = 1");
                            long[] agg = Rel.longs(c, "SELECT count(*), coalesce(sum(v), 0) FROM t");
                            Rel.sleepQuietly(3);
                            long wide = Rel.one(c, "SELECT sum(x) FROM wide");
                            long[] meta2 = Rel.longs(c, "SELECT n, s FROM meta WHERE k = 1");
                            c.commit();
                            c.setAutoCommit(true);
                            aggregateReads.incrementAndGet();
                            if (meta1[0] != agg[0] || meta1[1] != agg[1] || wide != expectedWide
                                    || meta1[0] != meta2[0] || meta1[1] != meta2[1]) {
                                mixed.incrementAndGet();
                                synchronized (problems) {
                                    problems.add("mixed read: meta " + meta1[0] + "/" + meta1[1] + " rows " + agg[0] + "/" + agg[1]
                                            + " wide " + wide + " (expected " + expectedWide + ") meta again " + meta2[0] + "/" + meta2[1]);
                                }
                            }
                        } catch (SQLException e) {
                            Rel.rollbackQuietly(c);
                            try {
                                c.setAutoCommit(true);
                            } catch (SQLException ignored) {
                                // reported below if it persists
                            }
                            if ("40001".equals(e.getSQLState())) {
                                retryable.incrementAndGet(); // snapshot expired: allowed, retryable
                            } else {
                                if ("XX001".equals(e.getSQLState())) {
                                    malformed.incrementAndGet();
                                }
                                synchronized (problems) {
                                    problems.add("reader: " + Rel.describe(e));
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    synchronized (problems) {
                        problems.add("reader connection: " + Rel.describe(e));
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
        String t = "snapshot reads";
        Rel.figure(t, "seconds", seconds);
        Rel.figure(t, "commits (2 writer clients)", commits.get());
        Rel.figure(t, "writer conflicts retried", conflicts.get());
        Rel.figure(t, "integrity_check runs", integrityChecks.get());
        Rel.figure(t, "multi-statement read transactions", aggregateReads.get());
        Rel.figure(t, "malformed", malformed.get());
        Rel.figure(t, "mixed-version reads", mixed.get());
        Rel.figure(t, "retryable snapshot errors (40001)", retryable.get());
        assertTrue(problems.isEmpty(), problems.size() + " problem(s): " + problems.subList(0, Math.min(10, problems.size())));
        assertEquals(0, malformed.get());
        assertEquals(0, mixed.get());
        assertTrue(commits.get() > 10 && integrityChecks.get() > 0 && aggregateReads.get() > 10,
                "too little happened to mean anything: " + commits + " commits, " + integrityChecks + " checks, "
                        + aggregateReads + " reads");
    }

    /**
     * A read transaction that outlives the server's retention (here: 1 version, 0 ms) must get a
     * clear, retryable error (40001), never pages of a newer version, and its retry must work.
     */
    @Test
    void aReaderOlderThanTheRetentionGetsARetryableErrorAndNeverNewerPages() throws Exception {
        int trials = Rel.n("expiryTrials", 5, 20);
        java.util.Map<String, Integer> outcomes = new TreeMap<>();
        try (TestPageServer s = TestPageServer.start("--retain-versions", "1", "--retain-ms", "0")) {
            String db = TestPageServer.freshName("retain");
            try (Connection w = TestPageServer.connect(s.jdbc(db))) {
                Rel.exec(w, "CREATE TABLE meta(k INTEGER PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO meta VALUES (1, 0)",
                        "CREATE TABLE wide(id INTEGER PRIMARY KEY, x INTEGER NOT NULL, pad BLOB NOT NULL)");
                w.setAutoCommit(false);
                for (int i = 1; i <= 400; i++) {
                    Rel.exec(w, "INSERT INTO wide VALUES (" + i + ", 10, randomblob(900))");
                }
                w.commit();
                w.setAutoCommit(true);
                for (int t = 0; t < trials; t++) {
                    // a new cold client each time (another host name: its own handle, cache and lock table)
                    try (Connection r = TestPageServer.connect("jdbc:dosqlite:http://localhost:" + s.port() + "/" + db + "?cacheSize=0")) {
                        r.setAutoCommit(false);
                        long n0 = Rel.one(r, "SELECT n FROM meta WHERE k = 1");
                        for (int k = 0; k < 3; k++) { // another client commits: the reader's version expires
                            Rel.exec(w, "UPDATE meta SET n = n + 1 WHERE k = 1",
                                    "UPDATE wide SET x = x + 1, pad = randomblob(900) WHERE id = " + (1 + (t * 37 + k * 101) % 400),
                                    "UPDATE wide SET x = x - 1 WHERE id = " + (1 + (t * 53 + k * 7) % 400));
                        }
                        String outcome;
                        try {
                            long sum = Rel.one(r, "SELECT sum(x) FROM wide");
                            long n1 = Rel.one(r, "SELECT n FROM meta WHERE k = 1");
                            outcome = sum == 4000 && n1 == n0 ? "consistent old snapshot" : "MIXED: sum " + sum + " n " + n0 + "->" + n1;
                        } catch (SQLException e) {
                            outcome = e.getSQLState() + (e.getMessage().toLowerCase().contains("retry") ? " (says retry)" : " " + e.getMessage());
                        }
                        outcomes.merge(outcome, 1, Integer::sum);
                        Rel.rollbackQuietly(r);
                        // the retry works and sees the newest data
                        assertEquals(4000, Rel.one(r, "SELECT sum(x) FROM wide"));
                        assertEquals(Rel.one(w, "SELECT n FROM meta WHERE k = 1"), Rel.one(r, "SELECT n FROM meta WHERE k = 1"));
                        r.commit();
                    }
                }
            }
        }
        Rel.figure("snapshot reads", "reader past the retention (serve.mjs --retain-versions 1 --retain-ms 0)", outcomes);
        assertEquals(java.util.Map.of("40001 (says retry)", trials), outcomes);
    }

    /**
     * The database is deleted and created again by another client, with as many commits as before,
     * so its version numbers line up with what a connected client has cached. That client's next
     * transaction must see the new content (or fail clearly), never the old.
     */
    @Test
    void aDatabaseDeletedAndCreatedAgainIsNeverServedFromTheOldCache() throws Exception {
        String db = TestPageServer.freshName("reborn");
        Map<String, Integer> outcomes = new TreeMap<>();
        int trials = Rel.n("rebornTrials", 3, 20);
        try (Connection a = TestPageServer.connect(env.jdbc(db))) {
            for (int t = 0; t < trials; t++) {
                String old = "old-" + t;
                String fresh = "new-" + t;
                if (t == 0) {
                    Rel.exec(a, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL)", "INSERT INTO t VALUES (1, '" + old + "')");
                }
                assertEquals(old, Rel.text(a, "SELECT v FROM t WHERE k = 1"));
                long versionA = RawHttp.of(env.url()).version(db);
                // behind A's back: delete, create again, and commit the same number of times
                assertEquals(204, RawHttp.of(env.url()).send("DELETE", "/v1/databases/" + db, null).status());
                try (Connection b = TestPageServer.connect(env.proxy().jdbc("reborn" + t, db))) {
                    Rel.exec(b, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL)", "INSERT INTO t VALUES (1, '" + fresh + "')");
                    while (RawHttp.of(env.url()).version(db) < versionA) {
                        Rel.exec(b, "PRAGMA user_version = " + RawHttp.of(env.url()).version(db));
                    }
                }
                String seen;
                try {
                    seen = Rel.text(a, "SELECT v FROM t WHERE k = 1");
                } catch (SQLException e) {
                    seen = e.getSQLState() + " " + e.getMessage();
                }
                String other; // a second connection of the same client: same page cache, its own SQLite pager cache
                try (Connection a2 = TestPageServer.connect(env.jdbc(db))) {
                    other = Rel.text(a2, "SELECT v FROM t WHERE k = 1");
                }
                outcomes.merge(seen.equals(fresh) ? "new content" : seen.equals(old)
                        ? "OLD content (stale cache; a new connection of the same client reads " + (other.equals(fresh) ? "the new" : other) + ")"
                        : seen, 1, Integer::sum);
                // make the next trial's "old" the current content
                Rel.exec(a, "UPDATE t SET v = 'old-" + (t + 1) + "' WHERE k = 1");
            }
        } catch (SQLException e) {
            outcomes.merge("connection failed: " + e.getSQLState() + " " + e.getMessage(), 1, Integer::sum);
        }
        Rel.figure("fresh reads", "database deleted and created again with aligned versions (" + trials + " trials)", outcomes);
        assertEquals(Map.of("new content", trials), outcomes);
    }

    /**
     * The write side of the same: after the database was deleted and created again (same shape, same
     * number of commits, other content), a connection that read the old life updates a row. The
     * update must apply to the new life's row; a commit built from old pages would silently replace
     * the new content (the server accepts it: the base version matches).
     */
    @Test
    void aConnectionNeverWritesPagesOfAnOldLifeIntoARecreatedDatabase() throws Exception {
        Map<String, String> results = new TreeMap<>();
        for (String how : new String[] {"Statement.execute", "executeUpdate (optimistic autocommit)"}) {
            String db = TestPageServer.freshName("reborn-w");
            String outcome;
            try (Connection a = TestPageServer.connect(env.jdbc(db)); java.sql.Statement st = a.createStatement()) {
                Rel.exec(a, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL)", "INSERT INTO t VALUES (1, 'old')");
                assertEquals("old", Rel.text(a, "SELECT v FROM t WHERE k = 1"));
                assertEquals(204, RawHttp.of(env.url()).send("DELETE", "/v1/databases/" + db, null).status());
                try (Connection b = TestPageServer.connect(env.proxy().jdbc("reborn-w-" + db, db))) {
                    Rel.exec(b, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL)", "INSERT INTO t VALUES (1, 'new')");
                }
                String sql = "UPDATE t SET v = v || '+A' WHERE k = 1";
                try {
                    if (how.startsWith("executeUpdate")) {
                        st.executeUpdate(sql);
                    } else {
                        st.execute(sql);
                    }
                    outcome = "A's update acknowledged";
                } catch (SQLException e) {
                    outcome = "A's update failed: " + e.getSQLState() + " " + e.getMessage();
                }
            }
            try (Connection v = TestPageServer.connect(env.proxy().jdbc("reborn-w-check-" + db, db))) {
                String ok = Rel.integrity(v);
                String value = Rel.text(v, "SELECT v FROM t WHERE k = 1");
                boolean right = "ok".equals(ok) && (value.equals("new+A") || (value.equals("new") && outcome.contains("failed")));
                results.put(how, (right ? "" : "WRONG: ") + outcome + "; the row is now '" + value + "' (integrity " + ok + ")");
            }
        }
        results.forEach((k, r) -> Rel.figure("fresh reads", "stale connection updates a row after the database was deleted and"
                + " created again, via " + k, r));
        results.forEach((k, r) -> assertTrue(!r.startsWith("WRONG"), k + ": the new life's row was overwritten from the old life: " + r));
    }

    @Test
    void aTransactionStartedAfterAnotherClientsAcknowledgedCommitSeesIt() throws Exception {
        int trials = Rel.n("freshnessTrials", 200, 1000);
        String db = TestPageServer.freshName("fresh");
        Map<String, Integer> stale = new TreeMap<>();
        try (Connection a = TestPageServer.connect(env.jdbc(db)); Connection b = TestPageServer.connect(env.proxy().jdbc("b", db))) {
            Rel.exec(a, "CREATE TABLE fresh(k INTEGER PRIMARY KEY, v INTEGER NOT NULL)", "INSERT INTO fresh VALUES (1, 0)");
            Rel.one(b, "SELECT v FROM fresh WHERE k = 1"); // warm B's cache
            int staleReads = 0;
            for (int i = 1; i <= trials; i++) {
                // alternate who writes; the reader's cache is warm and holds the old page
                Connection writer = i % 2 == 0 ? a : b;
                Connection reader = i % 2 == 0 ? b : a;
                Rel.exec(writer, "UPDATE fresh SET v = " + i + " WHERE k = 1");
                long seen = Rel.one(reader, "SELECT v FROM fresh WHERE k = 1");
                if (seen != i) {
                    staleReads++;
                    stale.merge(i % 2 == 0 ? "B stale" : "A stale", 1, Integer::sum);
                }
            }
            String t = "fresh reads";
            Rel.figure(t, "trials (commit acknowledged to one client, next transaction of the other)", trials);
            Rel.figure(t, "stale reads", staleReads);
            assertEquals(0, staleReads, "stale reads: " + stale);
        }
    }
}
