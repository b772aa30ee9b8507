package io.dosqlite.vfs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.*;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.*;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

class DosqliteVfsTest extends VfsTestSupport {
    InMemoryPageStore store;
    DosqliteVfs vfs;

    @BeforeEach
    void setUp() throws Exception {
        store = new InMemoryPageStore();
        vfs = DosqliteVfs.register(uniqueName("t"), store);
    }

    @AfterEach
    void tearDown() {
        assertEquals(0, vfs.openConnections(), "connections left open");
        vfs.close();
        assertEquals(0, store.openSnapshots.get(), "snapshots left open");
    }

    @Test
    void registersWithDirectCallbacksAndPersistsAcrossConnections() throws Exception {
        assertTrue(NativeExt.directCallbacks, "JNA direct callbacks");
        assertTrue(vfs.jdbcUrl().contains("vfs=" + vfs.name()));
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v blob)", "insert into t values (1, 'hello')");
        }
        assertEquals(2, store.commitLog().size());
        try (Connection c = open(vfs)) {
            assertEquals("hello", queryString(c, "select v from t where k=1"));
            assertIntegrity(c);
            assertNull(lastError(c));
        }
        assertEquals(2, store.commitLog().size(), "reads commit nothing");
    }

    @Test
    void randomTransactionsMatchPlainSqlite(@TempDir Path dir) throws Exception {
        Random rnd = new Random(42);
        try (Connection c = open(vfs, "cache_size", "20");
             Connection ref = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ref.db"))) {
            for (Connection x : List.of(c, ref)) {
                exec(x, "create table t(k integer primary key, v blob)", "create index t_v on t(v)");
                x.setAutoCommit(false);
            }
            int committed = 0;
            for (int tx = 0; tx < 150; tx++) {
                int ops = 1 + rnd.nextInt(40);
                List<Object[]> batch = new ArrayList<>();
                for (int i = 0; i < ops; i++) {
                    int kind = rnd.nextInt(10);
                    int k = rnd.nextInt(2000);
                    byte[] v = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 6000 : 300)];
                    rnd.nextBytes(v);
                    batch.add(new Object[] {kind, k, v});
                }
                boolean rollback = rnd.nextInt(4) == 0;
                for (Connection x : List.of(c, ref)) {
                    for (Object[] op : batch) {
                        int kind = (Integer) op[0];
                        String sql = kind < 6 ? "insert or replace into t values (?, ?)"
                                : kind < 8 ? "update t set v = ? || v where k % 7 = ? % 7 and k < 300"
                                : "delete from t where k between ? and ? + 5";
                        try (PreparedStatement ps = x.prepareStatement(sql)) {
                            lastError(x);
                            if (kind < 6) {
                                ps.setInt(1, (Integer) op[1]);
                                ps.setBytes(2, (byte[]) op[2]);
                            } else if (kind < 8) {
                                ps.setBytes(1, Arrays.copyOf((byte[]) op[2], 3));
                                ps.setInt(2, (Integer) op[1]);
                            } else {
                                ps.setInt(1, (Integer) op[1]);
                                ps.setInt(2, (Integer) op[1]);
                            }
                            try {
                                ps.executeUpdate();
                            } catch (SQLException e) {
                                throw new AssertionError("tx " + tx + ": " + e + " cause " + lastError(x), e);
                            }
                        }
                    }
                    if (rollback) {
                        x.rollback();
                    } else {
                        x.commit();
                    }
                }
                if (!rollback) {
                    committed++;
                }
                if (tx % 30 == 0) {
                    assertEquals(digest(ref, "t"), digest(c, "t"), "after tx " + tx);
                }
            }
            c.setAutoCommit(true);
            assertIntegrity(c);
            assertEquals(digest(ref, "t"), digest(c, "t"));
            assertTrue(store.commitLog().size() <= committed + 2, store.commitLog().size() + " commits for " + committed);
            assertTrue(store.commitLog().size() >= committed / 2);
        }
        try (Connection c = open(vfs)) {
            assertIntegrity(c);
        }
    }

    @Test
    void rollbackWithWarmCache() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v text)");
            exec(c, "insert into t select value, 'v' || value from generate_series(1, 2000)");
            String before = digest(c, "t");
            long commits = store.commitLog().size();
            long version = store.version();
            c.setAutoCommit(false);
            exec(c, "update t set v = 'changed' where k % 3 = 0", "delete from t where k > 1500",
                    "insert into t values (5000, 'new')");
            assertEquals(1, queryLong(c, "select count(*) from t where k = 5000"));
            assertEquals(0, store.commitCalls.get() - commits, "nothing sent before COMMIT");
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(before, digest(c, "t"));
            assertIntegrity(c);
            assertEquals(commits, store.commitLog().size());
            assertEquals(version, store.version());
        }
    }

    @Test
    void savepointRollbacks() throws Exception {
        try (Connection c = open(vfs, "cache_size", "10")) {
            exec(c, "create table t(k integer primary key, v blob)");
            exec(c, "begin", "insert into t values (1, randomblob(100))", "savepoint a",
                    "insert into t select value, randomblob(3000) from generate_series(2, 300)", "savepoint b",
                    "delete from t where k < 100", "rollback to b",
                    "update t set v = randomblob(10) where k > 250", "rollback to a",
                    "insert into t values (2, 'two')", "release a", "commit");
            assertEquals(2, queryLong(c, "select count(*) from t"));
            assertIntegrity(c);
        }
        try (Connection c = open(vfs)) {
            assertEquals("two", queryString(c, "select v from t where k=2"));
        }
    }

    @Test
    void constraintFailureMidStatement() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v text unique)");
            exec(c, "insert into t select value, 'v' || value from generate_series(1, 500)");
            String before = digest(c, "t");
            long commits = store.commitCalls.get();
            SQLException e = assertThrows(SQLException.class,
                    () -> exec(c, "insert into t select value + 1000, case when value = 400 then 'v7' else 'x' || value end"
                            + " from generate_series(1, 500)"));
            assertTrue(e.getMessage().contains("UNIQUE"), e.getMessage());
            assertEquals(commits, store.commitCalls.get(), "failed statement commits nothing");
            assertEquals(before, digest(c, "t"));
            c.setAutoCommit(false);
            exec(c, "insert into t values (9000, 'ok')");
            assertThrows(SQLException.class, () -> exec(c, "update t set v = 'v1' where k between 2 and 300"));
            c.commit();
            c.setAutoCommit(true);
            assertEquals(501, queryLong(c, "select count(*) from t"));
            assertEquals("v2", queryString(c, "select v from t where k = 2"));
            assertIntegrity(c);
        }
    }

    @Test
    void transactionLargerThanCacheCommitAndRollback() throws Exception {
        try (Connection c = open(vfs, "cache_size", "10")) {
            exec(c, "create table t(k integer primary key, v blob)");
            c.setAutoCommit(false);
            exec(c, "insert into t select value, randomblob(1000) from generate_series(1, 3000)");
            assertEquals(1, store.commitLog().size(), "spilled pages are not sent before COMMIT");
            c.commit();
            assertEquals(2, store.commitLog().size());
            String before = digest(c, "t");
            long version = store.version();
            exec(c, "update t set v = randomblob(1200)", "insert into t select value + 10000, randomblob(500) from generate_series(1, 2000)");
            assertEquals(2, store.commitLog().size());
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(version, store.version(), "rolled back spill commits nothing");
            assertEquals(2, store.commitLog().size());
            assertEquals(before, digest(c, "t"));
            assertIntegrity(c);
            exec(c, "insert into t values (-1, 'after')");
            assertEquals(3, store.commitLog().size());
        }
        try (Connection c = open(vfs)) {
            assertEquals(3001, queryLong(c, "select count(*) from t"));
            assertIntegrity(c);
        }
    }

    @Test
    void vacuumShrinksAndChangesPageSize() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(800) from generate_series(1, 4000)");
            long pagesBefore = store.head().pageCount;
            exec(c, "delete from t where k % 4 <> 0", "vacuum");
            assertTrue(store.head().pageCount < pagesBefore / 2, store.head().pageCount + " vs " + pagesBefore);
            assertIntegrity(c);
            String before = digest(c, "t");
            exec(c, "pragma page_size = 1024", "vacuum");
            assertEquals(1024, store.head().pageSize);
            assertEquals(1024, queryLong(c, "pragma page_size"));
            assertEquals(before, digest(c, "t"));
            assertIntegrity(c);
            exec(c, "pragma page_size = 16384", "vacuum");
            assertEquals(16384, store.head().pageSize);
            assertEquals(before, digest(c, "t"));
            assertIntegrity(c);
        }
        try (Connection c = open(vfs)) {
            assertEquals(16384, queryLong(c, "pragma page_size"));
            assertIntegrity(c);
        }
    }

    @Test
    void autoVacuumTruncates() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "pragma auto_vacuum = full", "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(2000) from generate_series(1, 1000)");
            long big = store.head().pageCount;
            exec(c, "delete from t where k > 100");
            assertTrue(store.head().pageCount < big / 3);
            assertEquals(store.head().pageCount, queryLong(c, "pragma page_count"));
            assertIntegrity(c);
            exec(c, "pragma auto_vacuum = incremental", "vacuum", "insert into t select value + 5000, randomblob(2000) from generate_series(1, 300)",
                    "delete from t where k > 5000", "pragma incremental_vacuum");
            assertEquals(store.head().pageCount, queryLong(c, "pragma page_count"));
            assertIntegrity(c);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 2048, 4096, 8192, 16384, 32768, 65536})
    void everyPageSize(int pageSize) throws Exception {
        try (Connection c = open(vfs, "cache_size", "-256")) {
            exec(c, "pragma page_size = " + pageSize, "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(value % 3000) from generate_series(1, 600)",
                    "create index tv on t(v)", "update t set v = randomblob(50) where k % 5 = 0");
            c.setAutoCommit(false);
            exec(c, "delete from t where k > 300");
            c.rollback();
            c.setAutoCommit(true);
            assertIntegrity(c);
        }
        assertEquals(pageSize, store.head().pageSize);
        try (Connection c = open(vfs)) {
            assertEquals(pageSize, queryLong(c, "pragma page_size"));
            assertEquals(600, queryLong(c, "select count(*) from t"));
            assertIntegrity(c);
        }
    }

    @Test
    void readerDuringWriterSeesOldData() throws Exception {
        try (Connection w = open(vfs); Connection r = open(vfs)) {
            exec(w, "create table t(k integer primary key, v text)", "insert into t values (1, 'old')");
            w.setAutoCommit(false);
            exec(w, "update t set v = 'new' where k = 1");
            assertEquals("new", queryString(w, "select v from t"));
            assertEquals("old", queryString(r, "select v from t"));
            w.commit();
            assertEquals("new", queryString(r, "select v from t"));
            w.setAutoCommit(true);
        }
    }

    @Test
    void twoWritersOneGetsBusyThenBusyTimeoutWaits() throws Exception {
        try (Connection a = open(vfs); Connection b = open(vfs, "busy_timeout", "0")) {
            exec(a, "create table t(k integer primary key, v text)");
            exec(a, "begin immediate", "insert into t values (1, 'a')");
            SQLException e = assertThrows(SQLException.class, () -> exec(b, "begin immediate"));
            assertTrue(e instanceof SQLiteException && ((SQLiteException) e).getResultCode().code == SQLiteErrorCode.SQLITE_BUSY.code,
                    e.toString());
            exec(a, "commit");
            exec(b, "begin immediate", "insert into t values (2, 'b')", "commit");
        }
        try (Connection a = open(vfs); Connection b = open(vfs, "busy_timeout", "20000")) {
            exec(a, "begin immediate", "insert into t values (3, 'a')");
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<?> f = ex.submit(() -> {
                    exec(b, "begin immediate", "insert into t values (4, 'b')", "commit");
                    return null;
                });
                Thread.sleep(400);
                assertFalse(f.isDone(), "second writer waits");
                exec(a, "commit");
                f.get(20, TimeUnit.SECONDS);
            } finally {
                ex.shutdownNow();
            }
            assertEquals(4, queryLong(a, "select count(*) from t"));
        }
    }

    @Test
    void readerBlocksCommitUntilItFinishes() throws Exception {
        try (Connection w = open(vfs, "busy_timeout", "20000"); Connection r = open(vfs)) {
            exec(w, "create table t(k integer primary key)", "insert into t values (1)");
            r.setAutoCommit(false);
            assertEquals(1, queryLong(r, "select count(*) from t")); // r holds SHARED
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<?> f = ex.submit(() -> {
                    exec(w, "insert into t values (2)");
                    return null;
                });
                Thread.sleep(300);
                assertFalse(f.isDone(), "commit waits for the reader (PENDING/EXCLUSIVE)");
                assertEquals(1, queryLong(r, "select count(*) from t"));
                r.commit();
                f.get(20, TimeUnit.SECONDS);
            } finally {
                ex.shutdownNow();
            }
            r.setAutoCommit(true);
            assertEquals(2, queryLong(r, "select count(*) from t"));
        }
    }

    @Test
    void walOffAndExclusiveRefusedWithClearMessage() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k)");
            SQLException e = assertThrows(SQLException.class, () -> exec(c, "pragma journal_mode = WAL"));
            assertTrue(e.getMessage().contains("journal_mode=WAL is not supported"), e.getMessage());
            e = assertThrows(SQLException.class, () -> exec(c, "PRAGMA main.journal_mode='off'"));
            assertTrue(e.getMessage().contains("journal_mode=OFF is not supported"), e.getMessage());
            e = assertThrows(SQLException.class, () -> exec(c, "pragma locking_mode = exclusive"));
            assertTrue(e.getMessage().contains("locking_mode=EXCLUSIVE is not supported"), e.getMessage());
            assertEquals("delete", queryString(c, "pragma journal_mode"));
            exec(c, "insert into t values (1)");
        }
        SQLException e = assertThrows(SQLException.class, () -> open(vfs, "journal_mode", "WAL").close());
        assertTrue(e.getMessage().contains("journal_mode=WAL is not supported"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"DELETE", "TRUNCATE", "PERSIST", "MEMORY"})
    void journalModesWork(String mode) throws Exception {
        try (Connection c = open(vfs, "cache_size", "10")) {
            assertEquals(mode.toLowerCase(), queryString(c, "pragma journal_mode = " + mode));
            exec(c, "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(700) from generate_series(1, 500)");
            String before = digest(c, "t");
            c.setAutoCommit(false);
            exec(c, "update t set v = randomblob(900)", "delete from t where k < 50");
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(before, digest(c, "t"));
            exec(c, "update t set v = x'00' where k = 7");
            assertIntegrity(c);
            try (Connection d = open(vfs)) {
                assertEquals(500, queryLong(d, "select count(*) from t"));
                assertEquals(1, queryLong(d, "select length(v) from t where k = 7"));
            }
        }
    }

    @Test
    void synchronousOffStillCommits() throws Exception {
        try (Connection c = open(vfs, "synchronous", "OFF")) {
            exec(c, "create table t(k)", "insert into t values (1)");
        }
        assertEquals(2, store.commitLog().size());
    }

    @Test
    void conflictSurfacesAndConnectionKeepsWorking() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v text)", "insert into t values (1, 'one')");
            long version = store.version();
            store.failNextCommits.set(1);
            SQLException e = assertThrows(SQLException.class, () -> exec(c, "insert into t values (2, 'two')"));
            Throwable cause = lastError(c);
            assertTrue(cause instanceof PageStoreException, String.valueOf(cause));
            assertEquals(PageStoreException.Kind.CONFLICT, ((PageStoreException) cause).kind());
            assertNull(lastError(c), "cleared on read");
            assertEquals(version, store.version());
            assertEquals(1, queryLong(c, "select count(*) from t"), "failed commit rolled back: " + e);
            exec(c, "insert into t values (3, 'three')");
            assertEquals(2, queryLong(c, "select count(*) from t"));
            assertIntegrity(c);

            // a real lost-update race: another client commits while our transaction is open
            // (explicit BEGIN/COMMIT: sqlite-jdbc's commit() would try to BEGIN again after the failure)
            exec(c, "begin");
            assertEquals(2, queryLong(c, "select count(*) from t"));
            store.bumpVersion();
            exec(c, "insert into t values (4, 'four')");
            assertThrows(SQLException.class, () -> exec(c, "commit"));
            assertEquals(PageStoreException.Kind.CONFLICT, ((PageStoreException) lastError(c)).kind());
            assertEquals(2, queryLong(c, "select count(*) from t"));
            exec(c, "insert into t values (5, 'five')");
            assertEquals(3, queryLong(c, "select count(*) from t"));
        }
        try (Connection c = open(vfs)) {
            assertEquals(3, queryLong(c, "select count(*) from t"));
            assertIntegrity(c);
        }
    }

    @Test
    void storeFailureOnReadSurfaces() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k)", "insert into t values (1)");
        }
        store.failNextCommits.set(1);
        store.failKind = PageStoreException.Kind.UNAVAILABLE;
        try (Connection c = open(vfs)) {
            assertThrows(SQLException.class, () -> exec(c, "insert into t values (2)"));
            assertEquals(PageStoreException.Kind.UNAVAILABLE, ((PageStoreException) lastError(c)).kind());
            exec(c, "insert into t values (3)");
            assertEquals(2, queryLong(c, "select count(*) from t"));
        }
    }

    @Test
    void commitCountingExactlyOnceExactlyDirtyPages() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(300) from generate_series(1, 3000)");
            int n = store.commitLog().size();
            long calls = store.commitCalls.get();
            // rolled back: nothing
            c.setAutoCommit(false);
            exec(c, "update t set v = randomblob(300) where k between 100 and 200");
            c.rollback();
            assertEquals(calls, store.commitCalls.get());
            // committed: once, with exactly the pages that changed
            byte[] before = store.image();
            exec(c, "update t set v = randomblob(300) where k between 1000 and 1010");
            assertEquals(calls, store.commitCalls.get(), "no writes before COMMIT");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(calls + 1, store.commitCalls.get());
            assertEquals(n + 1, store.commitLog().size());
            byte[] after = store.image();
            int ps = store.head().pageSize;
            TreeSet<Long> changed = new TreeSet<>();
            for (long pg = 1; pg <= after.length / ps; pg++) {
                int off = (int) ((pg - 1) * ps);
                if (off + ps > before.length
                        || !Arrays.equals(before, off, off + ps, after, off, off + ps)) {
                    changed.add(pg);
                }
            }
            InMemoryPageStore.CommitRecord rec = store.commitLog().get(n);
            assertEquals(changed, rec.pageNumbers);
            assertTrue(rec.pageNumbers.size() <= 5, rec.pageNumbers.toString());
            // a read-only transaction commits nothing
            exec(c, "begin", "select count(*) from t", "commit");
            exec(c, "begin immediate", "commit");
            assertEquals(calls + 1, store.commitCalls.get());
        }
    }

    @Test
    void beginReadFailureSurfacesAndRecovers() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k)", "insert into t values (1)");
            store.failNextBeginReads.set(1);
            assertThrows(SQLException.class, () -> queryLong(c, "select count(*) from t"));
            assertEquals(PageStoreException.Kind.UNAVAILABLE, ((PageStoreException) lastError(c)).kind());
            assertEquals(1, queryLong(c, "select count(*) from t"));
        }
    }

    @Test
    void corruptPageIsAnErrorAndNotCached() throws Exception {
        try (Connection w = open(vfs)) {
            exec(w, "create table t(k integer primary key, v blob)",
                    "insert into t select value, randomblob(500) from generate_series(1, 400)");
        }
        try (Connection c = open(vfs)) {
            store.corruptNextReads.set(1);
            SQLException e = assertThrows(SQLException.class, () -> queryLong(c, "select sum(length(v)) from t"));
            assertTrue(e.getMessage().contains("I/O"), e.getMessage());
            assertEquals(PageStoreException.Kind.CORRUPT, ((PageStoreException) lastError(c)).kind());
            assertEquals(400 * 500, queryLong(c, "select sum(length(v)) from t"), "re-read, not served from a cache");
            assertIntegrity(c);
        }
    }

    @Test
    void oneDatabasePerVfs() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k)");
            SQLException e = assertThrows(SQLException.class,
                    () -> exec(c, "attach 'file:other.db?vfs=" + vfs.name() + "' as o"));
            // an ATTACH names no session, so the refusal's reason cannot reach this connection: SQLite's message does
            assertTrue(e.getMessage().contains("unable to open"), e.getMessage());
            exec(c, "attach 'file:dosqlite.db?vfs=" + vfs.name() + "' as o", "detach o"); // same database: fine
            exec(c, "insert into t values (1)");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 16384})
    void restoreFromPlainFileWithOtherPageSize(int srcPageSize, @TempDir Path dir) throws Exception {
        Path src = dir.resolve("src.db");
        try (Connection p = DriverManager.getConnection("jdbc:sqlite:" + src)) {
            exec(p, "pragma page_size = " + srcPageSize, "create table s(k integer primary key, v blob)",
                    "insert into s select value, randomblob(value % 2000) from generate_series(1, 1500)");
        }
        String expected;
        try (Connection p = DriverManager.getConnection("jdbc:sqlite:" + src)) {
            expected = digest(p, "s");
        }
        try (Connection c = open(vfs)) {
            exec(c, "create table old(k integer primary key, v blob)",
                    "insert into old select value, randomblob(500) from generate_series(1, 800)");
            exec(c, "restore from '" + src + "'");
            assertEquals(expected, digest(c, "s"));
            assertEquals(0, queryLong(c, "select count(*) from sqlite_master where name = 'old'"));
            assertIntegrity(c);
        }
        assertEquals(srcPageSize, store.head().pageSize);
        try (Connection c = open(vfs)) {
            assertEquals(expected, digest(c, "s"));
            assertIntegrity(c);
        }
    }

    @Test
    void concurrentWritersInOneJvm() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table counter(id integer primary key, n integer)", "insert into counter values (1, 0)");
        }
        int threads = 4;
        int perThread = 50;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(ex.submit(() -> {
                    try (Connection c = open(vfs, "busy_timeout", "30000")) {
                        for (int i = 0; i < perThread; i++) {
                            exec(c, "begin immediate", "update counter set n = n + 1 where id = 1", "commit");
                            exec(c, "begin", "select n from counter", "commit");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdownNow();
        }
        try (Connection c = open(vfs)) {
            assertEquals(threads * perThread, queryLong(c, "select n from counter"));
            assertIntegrity(c);
        }
        assertEquals(0, store.failedCommits.get(), "the lock table serialises writers: no store conflicts");
    }

    @Test
    void readOnlyConnectionThroughSqliteConfig() throws Exception {
        try (Connection c = open(vfs)) {
            exec(c, "create table t(k)", "insert into t values (1)");
        }
        org.sqlite.SQLiteConfig cfg = new org.sqlite.SQLiteConfig(DosqliteVfs.connectionProperties());
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(1000);
        try (Connection c = org.sqlite.JDBC.createConnection(vfs.jdbcUrl(), cfg.toProperties())) {
            assertEquals(1, queryLong(c, "select count(*) from t"));
            assertThrows(SQLException.class, () -> exec(c, "insert into t values (2)"));
        }
        assertEquals(2, store.commitLog().size());
    }

    @Test
    void emptyStoreAndMissingTable() throws Exception {
        try (Connection c = open(vfs)) {
            assertEquals(0, queryLong(c, "select count(*) from sqlite_master"));
            assertThrows(SQLException.class, () -> exec(c, "select * from nope"));
        }
        assertEquals(0, store.commitLog().size());
        assertEquals(0, store.head().pageCount);
    }

    @Test
    void tempTablesAndBigSortsStayInMemory() throws Exception {
        try (Connection c = open(vfs, "cache_size", "10")) {
            exec(c, "create temp table tt(k, v)", "insert into tt select value, randomblob(500) from generate_series(1, 2000)",
                    "create table t(k integer primary key, v blob)", "insert into t select k, v from tt order by v");
            assertEquals(2000, queryLong(c, "select count(distinct v) from t"));
            assertEquals(2000, queryLong(c, "select count(*) from (select v from t order by v desc)"));
        }
        assertEquals(2, store.commitLog().size());
    }

    @Test
    void lockByteAndHugeFilesAreHandled(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() > 5L << 30, "needs > 5 GiB heap");
        long t0 = System.nanoTime();
        try (Connection c = open(vfs, "cache_size", "-65536")) {
            exec(c, "pragma page_size = 65536", "create table t(k integer primary key, v blob)");
            for (int i = 0; i < 12; i++) {
                exec(c, "insert into t values (" + i + ", zeroblob(100 * 1024 * 1024))");
            }
            exec(c, "insert into t values (100, 'after the lock byte')");
            assertTrue(store.head().pageCount * 65536L > (1L << 30) + (64L << 20), "database crosses 1 GiB");
            long lockPage = (1L << 30) / 65536 + 1;
            for (InMemoryPageStore.CommitRecord r : store.commitLog()) {
                assertFalse(r.pageNumbers.contains(lockPage), "lock-byte page never written");
            }
            assertEquals("after the lock byte", queryString(c, "select v from t where k = 100"));
            assertEquals("ok", queryString(c, "pragma quick_check"));
        }
        System.out.println("lock-byte test took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
