package io.dosqlite.it;

import static io.dosqlite.testsupport.TestPageServer.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.ClientStats;
import io.dosqlite.remote.History;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Read-only connections to the past ({@code asOf}, {@code asOfVersion}) against real workerd:
 * old rows while writers commit, across compaction inside the history window, and a clear error
 * outside it.
 */
class AsOfTest {
    /** History kept 7 days by default: nothing a test does leaves the window. */
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /** No time window, only the last 4 versions: compaction runs at every commit. */
    @RegisterExtension
    static final TestPageServer short4 = new TestPageServer("--retention", "0", "--retain-versions", "4");

    private static History.Log log(TestPageServer s, String db) throws Exception {
        return new History(RemoteConfig.builder(s.url(), db).token(TOKEN).build()).log(1);
    }

    private static long scalar(Connection c, String q) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void fill(Connection c, String table, int rows) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + "(id INTEGER PRIMARY KEY, n INTEGER, pad TEXT)");
            s.execute(Sql.series(1, rows) + " INSERT INTO " + table + " SELECT value, 1, printf('%.200c', 'x') FROM series");
        }
    }

    @Test
    void asOfReadsTheOldRowsWhileWritersCommit() throws Exception {
        String db = TestPageServer.freshName("asof");
        try (Connection w = TestPageServer.connect(server.jdbc(db))) {
            fill(w, "t", 2000);
            History.Version v = log(server, db).versions().get(0);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicInteger commits = new AtomicInteger();
            Thread writer = new Thread(() -> {
                try (Statement s = w.createStatement()) {
                    while (commits.get() < 20) {
                        s.executeUpdate("UPDATE t SET n = n + 1 WHERE id % 7 = " + (commits.get() % 7));
                        commits.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            writer.start();
            try (Connection byTime = TestPageServer.connect(server.jdbc(db), "asOf", v.time().toString());
                 Connection byVersion = TestPageServer.connect(server.jdbc(db), "asOfVersion", String.valueOf(v.version()))) {
                while (writer.isAlive()) {
                    assertEquals(2000, scalar(byTime, "SELECT sum(n) FROM t"), "asOf sees version " + v.version());
                    assertEquals(2000, scalar(byVersion, "SELECT sum(n) FROM t"));
                }
                writer.join();
                assertEquals(null, failed.get());
                // one fixed version: a warm query needs no request at all (no version check)
                ClientStats before = stats(byVersion);
                assertEquals(2000, scalar(byVersion, "SELECT sum(n) FROM t"));
                assertEquals(0, stats(byVersion).minus(before).requests(), "warm asOf query");
                assertTrue(scalar(w, "SELECT sum(n) FROM t") > 2000, "the writer's commits landed");
                assertEquals(2000, scalar(byTime, "SELECT sum(n) FROM t"));
                assertEquals("ok", integrity(byVersion));
                SQLException write = assertThrows(SQLException.class, () -> byTime.createStatement().executeUpdate("DELETE FROM t"));
                assertEquals("25006", write.getSQLState(), write.getMessage());
                assertEquals(2000, scalar(byTime, "SELECT count(*) FROM t"));
            }
        }
    }

    private static ClientStats stats(Connection c) throws SQLException {
        return c.unwrap(DosqliteConnection.class).statistics().snapshot();
    }

    private static String integrity(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aReaderInsideTheWindowKeepsWorkingAcrossCompactionAndGetsAClearErrorOutside() throws Exception {
        String db = TestPageServer.freshName("window");
        try (Connection w = TestPageServer.connect(short4.jdbc(db))) {
            fill(w, "a", 2000);
            fill(w, "b", 2000);
            long v = log(short4, db).currentVersion();
            try (Connection past = TestPageServer.connect(short4.jdbc(db), "asOfVersion", String.valueOf(v))) {
                assertEquals(2000, scalar(past, "SELECT count(*) FROM a WHERE id < 10 OR n = 1"));
                // two more versions: compaction drops the versions before v, v stays in the window
                try (Statement s = w.createStatement()) {
                    s.executeUpdate("UPDATE a SET n = 2");
                    s.executeUpdate("UPDATE b SET n = 2 WHERE id <= 1000");
                }
                assertEquals(v, log(short4, db).oldestReadableVersion() + 1, "versions before v - 1 were compacted");
                assertEquals(2000, scalar(past, "SELECT sum(n) FROM a"));
                assertEquals(500, scalar(past, "SELECT count(*) FROM b WHERE id > 1500 AND n = 1"), "cold pages of v still read");
                // four more: v leaves the window; what the reader has not read yet is a clear error
                try (Statement s = w.createStatement()) {
                    for (int i = 0; i < 4; i++) {
                        s.executeUpdate("UPDATE b SET n = n + 1");
                    }
                }
                SQLException outside = assertThrows(SQLException.class, () -> scalar(past, "SELECT sum(n) FROM b"));
                assertEquals("22023", outside.getSQLState(), outside.getMessage());
                assertTrue(outside.getMessage().contains("history window"), outside.getMessage());
            }
            SQLException open = assertThrows(SQLException.class,
                    () -> TestPageServer.connect(short4.jdbc(db), "asOfVersion", String.valueOf(v)).close());
            assertEquals("22023", open.getSQLState(), open.getMessage());
            assertTrue(open.getMessage().contains("history is kept for"), open.getMessage());
            SQLException before = assertThrows(SQLException.class,
                    () -> TestPageServer.connect(short4.jdbc(db), "asOf", "2020-01-01T00:00:00Z").close());
            assertEquals("22023", before.getSQLState(), before.getMessage());
            assertTrue(before.getMessage().contains("last 4 versions"), before.getMessage());
        }
    }
}
