package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.testsupport.proxy.Frames;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits: commits of 1, 128, 129 and 20,000 pages (through the driver and on the wire), page sizes
 * 512 and 65536, a database larger than one request (32 MiB). All succeed, or fail atomically
 * with a clear error (a staged commit whose last step fails leaves nothing behind).
 */
class LimitsTest {
    @RegisterExtension
    static final TestPageServer env = new TestPageServer().withFaultProxy(Rel.SEED);

    // ---------------------------------------------------------------- through the driver

    @Test
    void driverCommitsOf1And128And129And20000Pages() throws Exception {
        int big = Rel.n("bigCommitPages", 20000, 20000);
        String db = TestPageServer.freshName("pages");
        Map<Integer, String> measured = new LinkedHashMap<>();
        try (Connection c = TestPageServer.connect(env.jdbc(db))) {
            Rel.exec(c, "CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
            DosqliteConnection dc = c.unwrap(DosqliteConnection.class);
            // 1 page: only the header of page 1 changes
            long v0 = RawHttp.of(env.url()).version(db);
            long up = dc.statistics().pagesCommitted();
            Rel.exec(c, "PRAGMA user_version = 7");
            long pages1 = dc.statistics().pagesCommitted() - up;
            assertEquals(v0 + 1, RawHttp.of(env.url()).version(db));
            assertEquals(7, Rel.one(c, "PRAGMA user_version"));
            measured.put(1, pages1 + " page(s) sent");
            assertEquals(1, pages1, "PRAGMA user_version should commit exactly page 1");
            int id = 0;
            for (int target : new int[] {128, 129, big}) {
                // a blob of ~target pages; adjust until the commit carries exactly target pages
                int size = (target - 3) * 4092;
                long sent = -1;
                for (int attempt = 0; attempt < 5 && sent != target; attempt++) {
                    id++;
                    byte[] data = blob(size, id);
                    long before = dc.statistics().pagesCommitted();
                    long t0 = System.nanoTime();
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO b VALUES (?, ?)")) {
                        ps.setInt(1, id);
                        ps.setBytes(2, data);
                        ps.executeUpdate();
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    sent = dc.statistics().pagesCommitted() - before;
                    measured.put(target, sent + " pages sent in " + ms + " ms (blob " + size + " B)");
                    size += (int) ((target - sent) * 4092);
                }
                assertEquals(target, sent, "could not make a commit of exactly " + target + " pages: " + measured);
            }
            // everything reads back, also in a cold client
            try (Connection cold = TestPageServer.connect(env.proxy().jdbc("cold-pages", db))) {
                assertEquals("ok", Rel.integrity(cold));
                try (PreparedStatement ps = cold.prepareStatement("SELECT id, data FROM b ORDER BY id"); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byte[] d = rs.getBytes(2);
                        assertArrayEquals(blob(d.length, rs.getInt(1)), d, "blob " + rs.getInt(1));
                    }
                }
            }
        }
        measured.forEach((k, v) -> Rel.figure("limits", "driver commit of " + k + " pages", v));
    }

    @Test
    void pageSizes512And65536Work() throws Exception {
        for (int ps : new int[] {512, 65536}) {
            String db = TestPageServer.freshName("ps" + ps);
            try (Connection c = TestPageServer.connect(env.jdbc(db), "pageSize", "" + ps)) {
                Rel.exec(c, CrashWorkload.SCHEMA);
                c.setAutoCommit(false);
                for (long i = 1; i <= 40; i++) {
                    CrashWorkload.transaction(c, i);
                }
                c.setAutoCommit(true);
                assertEquals(ps, Rel.one(c, "PRAGMA page_size"));
            }
            assertEquals(ps, RawHttp.of(env.url()).info(db).num("pageSize"));
            try (Connection cold = TestPageServer.connect(env.proxy().jdbc("cold" + ps, db))) {
                Ledger l = new Ledger();
                l.verify(cold, 40, 40, "page size " + ps);
            }
            Rel.figure("limits", "page size " + ps, "40 transactions, integrity ok, server pageSize " + ps);
        }
    }

    @Test
    void aDatabaseLargerThanOneRequestIsCommittedInStagesAndReadsBack() throws Exception {
        int mib = Rel.n("largeDbMiB", 40, 64);
        String db = TestPageServer.freshName("large");
        long t0 = System.nanoTime();
        AtomicInteger stages = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        env.proxy().rule(r -> {
            if (r.is("stage")) {
                stages.incrementAndGet();
            } else if (r.is("commit")) {
                commits.incrementAndGet();
            }
            return Action.PASS;
        });
        try (Connection c = TestPageServer.connect(env.proxy().jdbc("large", db))) {
            Rel.exec(c, "CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
            int before = commits.get();
            insertMiBsAndCommit(c, mib);
            c.setAutoCommit(true);
            assertEquals(before + 1, commits.get(), "one publishing commit");
        } finally {
            env.proxy().pass();
        }
        long commitMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(stages.get() >= 1, "a " + mib + " MiB commit must use stage uploads");
        RawHttp.Resp info = RawHttp.of(env.url()).info(db);
        long bytes = info.num("pageCount") * info.num("pageSize");
        assertTrue(bytes > 32L * 1024 * 1024, "database of " + bytes + " bytes");
        long t1 = System.nanoTime();
        try (Connection cold = TestPageServer.connect(env.proxy().jdbc("large-cold", db))) {
            assertEquals("ok", Rel.integrity(cold));
            try (PreparedStatement ps = cold.prepareStatement("SELECT id, data FROM b ORDER BY id"); ResultSet rs = ps.executeQuery()) {
                int n = 0;
                while (rs.next()) {
                    n++;
                    assertArrayEquals(blob(1024 * 1024, rs.getInt(1)), rs.getBytes(2));
                }
                assertEquals(mib, n);
            }
        }
        long readMs = (System.nanoTime() - t1) / 1_000_000;
        RawHttp.Resp export = RawHttp.of(env.url()).export(db);
        assertEquals(200, export.status());
        assertEquals(bytes, export.body().length);
        assertEquals("SQLite format 3\0", new String(export.body(), 0, 16, StandardCharsets.ISO_8859_1));
        String t = "limits";
        Rel.figure(t, "database larger than one request", bytes + " bytes, " + stages.get() + " stage upload(s) + 1 commit, "
                + commitMs + " ms to commit, " + readMs + " ms for a cold client to verify");
    }

    @Test
    void aStagedCommitThatFailsAtTheEndLeavesNothingBehind() throws Exception {
        String db = TestPageServer.freshName("stagefail");
        int mib = 36;
        Map<String, String> outcomes = new LinkedHashMap<>();
        try (Connection c = TestPageServer.connect(env.proxy().jdbc("stagefail", db), "readTimeout", "60")) {
            Rel.exec(c, "CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB NOT NULL)", "INSERT INTO b VALUES (0, x'00')");
            for (String where : new String[] {"stage", "commit"}) {
                long v = RawHttp.of(env.url()).version(db);
                AtomicInteger seen = new AtomicInteger();
                // every stage upload, or the final publishing commit, fails (500) on every attempt
                env.proxy().rule(r -> r.is(where) && seen.incrementAndGet() >= 1 ? Action.of(Fault.ERROR_500_BEFORE) : Action.PASS);
                String outcome;
                try {
                    insertMiBsAndCommit(c, mib);
                    outcome = "committed";
                } catch (SQLException e) {
                    outcome = e.getSQLState() + " " + e.getMessage();
                    Rel.rollbackQuietly(c);
                } finally {
                    c.setAutoCommit(true);
                    env.proxy().pass();
                }
                outcomes.put(where, outcome);
                assertTrue(seen.get() > 0, "no " + where + " request was made");
                assertTrue(!outcome.equals("committed"), where + ": the commit went through although every " + where + " request failed");
                assertEquals(v, RawHttp.of(env.url()).version(db), "a failed staged commit (" + where + ") changed the version");
                assertEquals(1, Rel.one(c, "SELECT count(*) FROM b"), "rows after the failed commit (" + where + ")");
                assertEquals("ok", Rel.integrity(c));
                assertTrue(outcome.startsWith("08") || outcome.startsWith("58"), where + ": " + outcome);
            }
            // and without faults the same transaction goes through
            insertMiBsAndCommit(c, mib);
            c.setAutoCommit(true);
            assertEquals(mib + 1, Rel.one(c, "SELECT count(*) FROM b"));
        }
        outcomes.forEach((k, v) -> Rel.figure("limits", "36 MiB commit whose " + k + " request always fails", v));
    }

    @Test
    void aStagedCommitWhoseAnswersAreLostIsAppliedExactlyOnce() throws Exception {
        String db = TestPageServer.freshName("stagelost");
        int mib = 36;
        try (Connection c = TestPageServer.connect(env.proxy().jdbc("stagelost", db), "readTimeout", "60")) {
            Rel.exec(c, "CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
            long v = RawHttp.of(env.url()).version(db);
            AtomicInteger stage = new AtomicInteger();
            AtomicInteger commit = new AtomicInteger();
            int lostBefore = env.proxy().applied(Fault.DROP_AFTER);
            // the first stage upload's answer and the first commit's answer are lost after the server applied them
            env.proxy().rule(r -> (r.is("stage") && stage.incrementAndGet() == 1) || (r.is("commit") && commit.incrementAndGet() == 1)
                    ? Action.of(Fault.DROP_AFTER) : Action.PASS);
            try {
                insertMiBsAndCommit(c, mib);
                c.setAutoCommit(true);
            } finally {
                env.proxy().pass();
            }
            assertEquals(2, env.proxy().applied(Fault.DROP_AFTER) - lostBefore, "both answers lost");
            assertEquals(v + 1, RawHttp.of(env.url()).version(db), "applied exactly once");
            try (Connection cold = TestPageServer.connect(env.proxy().jdbc("stagelost-cold", db))) {
                assertEquals(mib, Rel.one(cold, "SELECT count(*) FROM b"));
                assertEquals("ok", Rel.integrity(cold));
            }
        }
        Rel.figure("limits", "36 MiB staged commit whose first stage answer and commit answer are lost", "applied exactly once");
    }

    // ---------------------------------------------------------------- on the wire

    @Test
    void wireCommitsOf1And128And129And20000PagesAndAnUnpublishedStageIsInvisible() throws Exception {
        RawHttp h = RawHttp.of(env.url());
        String db = TestPageServer.freshName("wire");
        int ps = 4096;
        assertEquals(201, h.create(db, ps).status());
        long version = 0;
        long pageCount = 0;
        int big = Rel.n("bigCommitPages", 20000, 20000);
        Random rnd = new Random(Rel.SEED);
        for (int n : new int[] {1, 128, 129, big}) {
            long t0 = System.nanoTime();
            int salt = n;
            long newCount = Math.max(pageCount, n);
            int perRequest = (int) ((32L * 1024 * 1024) / (8 + ps));
            String stage = null;
            int from = 1;
            int stages = 0;
            while (n - from + 1 > perRequest) {
                stage = stage == null ? "st" + n : stage;
                RawHttp.Resp r = h.send("POST", "/v1/databases/" + db + "/stage/" + stage + "?pageSize=" + ps,
                        Frames.pattern(from, from + perRequest - 1, ps, salt));
                assertEquals(200, r.status(), r.toString());
                from += perRequest;
                stages++;
            }
            if (stage != null) {
                // before the publishing commit the stage is invisible
                assertEquals(version, h.version(db));
            }
            RawHttp.Resp r = h.commit(db, version, newCount, ps, "wire" + n, stage, Frames.pattern(from, n, ps, salt));
            assertEquals(200, r.status(), r.toString());
            version++;
            pageCount = newCount;
            assertEquals(n, r.num("pages"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // read back some pages
            for (int k = 0; k < 5; k++) {
                long p = 1 + rnd.nextInt(n);
                RawHttp.Resp rd = h.read(db, version, p);
                assertEquals(200, rd.status());
                assertArrayEquals(Frames.frame(p, Frames.patternPage(p, ps, salt)), rd.body(), "page " + p + " after commit of " + n);
            }
            Rel.figure("limits", "wire commit of " + n + " pages", stages + " stage upload(s) + 1 commit, " + ms + " ms");
        }
        // an unpublished stage changes nothing; committing it later after another commit is a conflict
        RawHttp.Resp st = h.send("POST", "/v1/databases/" + db + "/stage/orphan?pageSize=" + ps, Frames.pattern(1, 10, ps, 99));
        assertEquals(200, st.status());
        assertEquals(version, h.version(db));
        RawHttp.Resp p1 = h.read(db, version, 1);
        assertArrayEquals(Frames.frame(1, Frames.patternPage(1, ps, big)), p1.body(), "a stage must be invisible");
        RawHttp.Resp late = h.commit(db, version - 1, pageCount, ps, "late", "orphan", new byte[0]);
        assertEquals(409, late.status(), late.toString());
        assertEquals(version, h.version(db));
    }

    /** Rows 1..mib of table b, a 1 MiB blob each, in one transaction (left in manual-commit mode). */
    private static void insertMiBsAndCommit(Connection c, int mib) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO b VALUES (?, ?)")) {
            for (int i = 1; i <= mib; i++) {
                ps.setInt(1, i);
                ps.setBytes(2, blob(1024 * 1024, i));
                ps.executeUpdate();
            }
        }
        c.commit();
    }

    static byte[] blob(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed * 7919L).nextBytes(b);
        return b;
    }
}
