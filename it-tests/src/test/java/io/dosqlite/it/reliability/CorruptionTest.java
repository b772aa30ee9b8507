package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Corruption injection (invariant 6): pages damaged in transit (a flipped bit, a short body, a
 * frame under the wrong page number, an older version's answer, a cut connection), in the
 * upload, and at rest in the server's storage. Every damaged page must be detected: the user
 * gets an error (XX001 for damage) and never wrong data; nothing damaged is cached or written back.
 */
class CorruptionTest {
    static final int ROWS = 300;

    @Test
    void damagedPagesInTransitAreAlwaysDetectedNeverUsedNeverWrittenBack() throws Exception {
        // at least this many trials, and in full mode as many more as it takes to serve 1,000
        // damaged answers (cold reads fetch fewer answers per trial as read-ahead improves)
        int trials = Rel.n("corruptionTrials", 50, 400);
        int minServed = Rel.FULL ? 1000 : 0;
        int maxTrials = trials * 20;
        Fault[] kinds = {Fault.BITFLIP, Fault.SHORT_BODY, Fault.WRONG_PAGE, Fault.OLD_VERSION, Fault.TRUNCATE};
        String db = TestPageServer.freshName("corrupt");
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> used = new ArrayList<>();
        Map<Fault, Integer> served = new TreeMap<>();
        long touched = 0;
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            long[] expected = setup(server.jdbc(db));
            int i = 0;
            for (; i < trials || total(served) < minServed; i++) {
                assertTrue(i < maxTrials, "only " + total(served) + " damaged answers served in " + i + " trials");
                Fault f = kinds[i % kinds.length];
                // every page-bearing answer this client gets is damaged: it can never obtain good data
                String prefix = "c" + i;
                proxy.rule(r -> r.prefix().equals(prefix) && (r.is("read") || r.is("interior")) ? Action.of(f) : Action.PASS);
                int before = proxy.applied(f);
                String outcome;
                Connection c = null;
                try {
                    c = TestPageServer.connect(proxy.jdbc(prefix, db));
                    long[] got = query(c);
                    String ok = Rel.integrity(c);
                    if (!java.util.Arrays.equals(expectedWithTouched(expected, touched), got) || !"ok".equals(ok)) {
                        outcome = "USED";
                        used.add(f + " trial " + i + ": got " + java.util.Arrays.toString(got) + " integrity " + ok);
                    } else {
                        outcome = "no error, right answer";
                    }
                } catch (SQLException e) {
                    outcome = String.valueOf(e.getSQLState());
                }
                int applied = proxy.applied(f) - before;
                proxy.pass();
                if (applied == 0) {
                    outcome = "not injected (" + outcome + ")";
                } else {
                    served.merge(f, applied, Integer::sum);
                    if (outcome.equals("no error, right answer")) {
                        // every page answer was damaged, yet the query worked: damaged data was used
                        outcome = "USED";
                        used.add(f + " trial " + i + ": no error although all " + applied + " page answers were damaged");
                    }
                }
                outcomes.merge(f + " -> " + outcome, 1, Integer::sum);
                // damage gone: the same client must now read right (nothing damaged was cached) and write
                try {
                    if (c == null) {
                        c = TestPageServer.connect(proxy.jdbc(prefix, db));
                    }
                    long[] got = query(c);
                    if (!java.util.Arrays.equals(expectedWithTouched(expected, touched), got)) {
                        used.add(f + " trial " + i + ": after the damage stopped the client still reads "
                                + java.util.Arrays.toString(got) + " (poisoned cache)");
                    }
                    Rel.exec(c, "UPDATE meta SET touched = touched + 1 WHERE k = 1");
                    touched++;
                } catch (SQLException e) {
                    used.add(f + " trial " + i + ": client unusable after the damage stopped: " + Rel.describe(e));
                } finally {
                    Rel.closeQuietly(c);
                }
                if (i % 25 == 24) {
                    verifyServerCopy(proxy.jdbc("verify" + i, db), expected, touched, i);
                }
            }
            verifyServerCopy(proxy.jdbc("verify-last", db), expected, touched, i - 1);
            trials = i;
            String t = "corruption injection (transit)";
            Rel.figure(t, "trials (each a cold client whose every page answer is damaged)", trials);
            Rel.figure(t, "damaged page answers served", served);
            Rel.figure(t, "damaged page answers served, total", served.values().stream().mapToInt(Integer::intValue).sum());
            Rel.figure(t, "outcomes", outcomes);
            Rel.figure(t, "damaged data used, cached or written back", used.size());
            if (Rel.FULL) {
                assertTrue(total(served) >= minServed, "full mode: at least 1,000 damaged answers");
            }
            assertTrue(used.isEmpty(), used.size() + " trial(s) used damaged data:\n" + String.join("\n", used.subList(0, Math.min(20, used.size()))));
            for (Fault f : new Fault[] {Fault.BITFLIP, Fault.SHORT_BODY, Fault.WRONG_PAGE}) {
                assertTrue(served.getOrDefault(f, 0) > 0, f + " never injected");
                assertEquals(0, outcomes.keySet().stream().filter(k -> k.startsWith(f + " -> ") && !k.endsWith("XX001")
                        && !k.contains("not injected")).count(), f + " must end in XX001: " + outcomes);
            }
        }
    }

    /**
     * A page answer damaged in transit while {@code PRAGMA integrity_check} runs: SQLite turns the
     * VFS's read error into a result row ("unable to get the page. error code=266"), so the user is
     * told the database is damaged although only one answer was. The statement must fail with the
     * transport error (XX001, the checksum message) instead.
     */
    @Test
    void integrityCheckDuringATransportFaultRaisesTheErrorInsteadOfReportingDamage() throws Exception {
        String db = TestPageServer.freshName("icheck");
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            setup(server.jdbc(db));
            try (Connection c = TestPageServer.connect(proxy.jdbc("icheck", db))) {
                Rel.one(c, "SELECT n FROM meta");
                proxy.rule(Rule.nth(Rule.endpoint("read"), 1, Action.of(Fault.BITFLIP)));
                String result;
                try {
                    result = "rows: " + Rel.integrity(c);
                } catch (SQLException e) {
                    result = e.getSQLState() + " " + e.getMessage();
                }
                proxy.pass();
                Rel.figure("corruption injection (transit)", "PRAGMA integrity_check while one page answer is damaged", result);
                assertEquals("ok", Rel.integrity(c), "the database itself is intact");
                assertTrue(result.startsWith("XX001"), "the user is told the database is damaged: " + result);
            }
        }
    }

    @Test
    void damagedUploadsAreRefusedAndNothingIsWritten() throws Exception {
        int trials = Rel.n("uploadCorruptionTrials", 20, 200);
        String db = TestPageServer.freshName("upload");
        Map<String, Integer> outcomes = new TreeMap<>();
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            long[] expected = setup(server.jdbc(db));
            try (Connection c = TestPageServer.connect(proxy.jdbc("w", db))) {
                for (int i = 0; i < trials; i++) {
                    long v0 = RawHttp.of(server.url()).version(db);
                    proxy.rule(r -> r.is("commit") || r.is("stage") ? Action.of(Fault.BITFLIP_REQUEST) : Action.PASS);
                    String outcome;
                    try {
                        Rel.exec(c, "UPDATE meta SET touched = touched + 1 WHERE k = 1");
                        outcome = "accepted";
                    } catch (SQLException e) {
                        outcome = String.valueOf(e.getSQLState());
                    }
                    proxy.pass();
                    outcomes.merge(outcome, 1, Integer::sum);
                    assertEquals(v0, RawHttp.of(server.url()).version(db), "a damaged upload changed the database (" + outcome + ")");
                    assertArrayEquals(expectedWithTouched(expected, 0), query(c), "the client must roll back its cache");
                }
            }
            Rel.figure("corruption injection (upload)", "damaged commit uploads", trials);
            Rel.figure("corruption injection (upload)", "outcomes", outcomes);
            // a flipped bit in a frame's page number can make it out of range: the server checks the range
            // before the CRC (400 page_out_of_range, 22023); refused and nothing written either way
            assertEquals(trials, outcomes.getOrDefault("XX001", 0) + outcomes.getOrDefault("22023", 0), "every damaged upload refused: " + outcomes);
        }
    }

    @Test
    void damagedPagesAtRestInServerStorageAreDetected() throws Exception {
        atRest("flip a bit of a table leaf page", "flip a bit of an overflow page", "truncate an overflow page");
    }

    /**
     * A page image lost at rest (its newest row deleted from the DO storage): the server then serves
     * the previous image, or zeros, with a valid CRC. Frames do not carry a version, so neither side
     * can notice: a known limitation of protocol v1 (see docs/reliability.md). Run with
     * {@code -Ddosqlite.reliability.limitations=true}; it fails while the limitation stands.
     */
    @Test
    @EnabledIfSystemProperty(named = "dosqlite.reliability.limitations", matches = "true")
    void aLostPageImageAtRestIsDetected() throws Exception {
        atRest("delete the newest image of an overflow page");
    }

    private static void atRest(String... damage) throws Exception {
        String db = TestPageServer.freshName("atrest");
        Map<String, String> results = new TreeMap<>();
        try (TestPageServer server = TestPageServer.start()) {
            long[] expected = setup(server.jdbc(db));
            byte[] big = new byte[40_000];
            new java.util.Random(1).nextBytes(big);
            try (Connection c = TestPageServer.connect(server.jdbc(db))) {
                Rel.exec(c, "CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (1, ?)")) {
                    ps.setBytes(1, big);
                    ps.executeUpdate();
                }
            }
            for (String what : damage) {
                server.stop();
                Path file = storageFile(server.dataDir(), db);
                String restore;
                try (Connection s = DriverManager.getConnection("jdbc:sqlite:" + file)) {
                    restore = damage(s, what);
                }
                server.restart();
                String outcome;
                try (Connection c = TestPageServer.connect(server.jdbc(db) + "?cacheSize=0")) {
                    long[] got = query(c);
                    byte[] b = blob(c);
                    String ok = Rel.integrity(c);
                    outcome = java.util.Arrays.equals(expected, got) && java.util.Arrays.equals(big, b) && "ok".equals(ok)
                            ? "NOT DETECTED, right answer" : "USED: wrong data returned without an error (integrity " + ok + ")";
                } catch (SQLException e) {
                    outcome = e.getSQLState() + " " + e.getMessage();
                }
                results.put(what, outcome);
                server.stop();
                try (Connection s = DriverManager.getConnection("jdbc:sqlite:" + file)) {
                    Rel.exec(s, restore);
                }
                server.restart();
                try (Connection c = TestPageServer.connect(server.jdbc(db))) {
                    assertArrayEquals(expected, query(c), "restored");
                }
            }
        }
        results.forEach((k, v) -> Rel.figure("corruption injection (at rest)", k, v));
        results.forEach((k, v) -> assertTrue(v.startsWith("XX001") && v.toLowerCase().contains("crc"),
                k + ": expected a checksum error (XX001), got: " + v));
    }

    // ---- helpers ----

    /** Creates the test tables and answers the expected {@link #query} result (touched = 0). */
    static long[] setup(String url) throws SQLException {
        try (Connection c = TestPageServer.connect(url)) {
            Rel.exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT NOT NULL)",
                    "CREATE TABLE meta(k INTEGER PRIMARY KEY, n INTEGER NOT NULL, s INTEGER NOT NULL, touched INTEGER NOT NULL)");
            c.setAutoCommit(false);
            long s = 0;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?)")) {
                for (int i = 1; i <= ROWS; i++) {
                    ps.setInt(1, i);
                    ps.setInt(2, i * 7);
                    ps.setString(3, ("pad" + i).repeat(40));
                    ps.executeUpdate();
                    s += i * 7;
                }
            }
            Rel.exec(c, "INSERT INTO meta VALUES (1, " + ROWS + ", " + s + ", 0)");
            c.commit();
            c.setAutoCommit(true);
            return query(c);
        }
    }

    /** count, sum(v), sum(length(pad)), meta n, meta s, touched: one read transaction. */
    static long[] query(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try {
            long[] a = Rel.longs(c, "SELECT count(*), sum(v), sum(length(pad)) FROM t");
            long[] m = Rel.longs(c, "SELECT n, s, touched FROM meta WHERE k = 1");
            return new long[] {a[0], a[1], a[2], m[0], m[1], m[2]};
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    static long[] expectedWithTouched(long[] e, long touched) {
        long[] r = e.clone();
        r[5] = touched;
        return r;
    }

    static byte[] blob(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT b FROM big WHERE id = 1"); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getBytes(1) : null;
        }
    }

    /** The Durable Object's SQLite file that holds database {@code db}. */
    static Path storageFile(Path dataDir, String db) throws Exception {
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".sqlite") && !p.getFileName().toString().equals("metadata.sqlite")).toList()) {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p)) {
                    if (db.equals(Rel.text(c, "SELECT name FROM meta"))) {
                        return p;
                    }
                } catch (SQLException ignored) {
                    // not a database object
                }
            }
        }
        throw new AssertionError("no storage file for " + db + " under " + dataDir);
    }

    /** Damages the newest image of a page in the DO storage; answers SQL that restores it. */
    static String damage(Connection s, String what) throws SQLException {
        String kindFilter = what.contains("leaf") ? "kind = 13" : "kind = 0 AND pgno > 2";
        long[] row = Rel.longs(s, "SELECT pgno, version, length(data) FROM pages p WHERE " + kindFilter
                + " AND data IS NOT NULL AND version = (SELECT max(version) FROM pages q WHERE q.pgno = p.pgno)"
                + " ORDER BY pgno DESC LIMIT 1");
        assertNotNull(row, "no page to damage for: " + what);
        byte[] data;
        try (PreparedStatement ps = s.prepareStatement("SELECT data, crc, kind FROM pages WHERE pgno = ? AND version = ?")) {
            ps.setLong(1, row[0]);
            ps.setLong(2, row[1]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                data = rs.getBytes(1);
            }
        }
        String hex = "X'" + java.util.HexFormat.of().formatHex(data) + "'";
        String restoreAll = "UPDATE pages SET data = " + hex + " WHERE pgno = " + row[0] + " AND version = " + row[1];
        if (what.startsWith("delete")) {
            long crc = Rel.one(s, "SELECT crc FROM pages WHERE pgno = " + row[0] + " AND version = " + row[1]);
            long kind = Rel.one(s, "SELECT kind FROM pages WHERE pgno = " + row[0] + " AND version = " + row[1]);
            String sup = Rel.text(s, "SELECT superseded_by FROM pages WHERE pgno = " + row[0] + " AND version = " + row[1]);
            Rel.exec(s, "DELETE FROM pages WHERE pgno = " + row[0] + " AND version = " + row[1]);
            return "INSERT INTO pages(pgno, version, data, crc, kind, superseded_by) VALUES (" + row[0] + ", " + row[1]
                    + ", " + hex + ", " + crc + ", " + kind + ", " + (sup == null ? "NULL" : sup) + ")";
        }
        byte[] bad = what.startsWith("truncate") ? java.util.Arrays.copyOf(data, data.length / 2) : data.clone();
        if (what.startsWith("flip")) {
            bad[bad.length / 3] ^= 0x10;
        }
        try (PreparedStatement ps = s.prepareStatement("UPDATE pages SET data = ? WHERE pgno = ? AND version = ?")) {
            ps.setBytes(1, bad);
            ps.setLong(2, row[0]);
            ps.setLong(3, row[1]);
            assertEquals(1, ps.executeUpdate());
        }
        return restoreAll;
    }

    private static int total(Map<Fault, Integer> served) {
        return served.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static void verifyServerCopy(String url, long[] expected, long touched, int trial) throws SQLException {
        try (Connection v = TestPageServer.connect(url)) {
            assertEquals("ok", Rel.integrity(v), "server copy after trial " + trial);
            assertArrayEquals(expectedWithTouched(expected, touched), query(v), "server copy after trial " + trial);
        }
    }
}
