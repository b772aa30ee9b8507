package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/** Import and export of real SQLite files (made with sqlite-jdbc) through a real page server. */
class TransferServerTest {

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();
    @TempDir
    Path tmp;

    static Path sqliteFile(Path dir, int rows) throws Exception {
        Path f = dir.resolve("src-" + rows + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=DELETE");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(v) VALUES (?)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "row-" + i + "-" + "x".repeat(100));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        return f;
    }

    @Test
    void importThenExportGivesTheSameFile() throws Exception {
        Path src = sqliteFile(tmp, 2000);
        String db = newDbName("imp");
        Transfer t = new Transfer(config(server.url(), db).build());
        List<Long> progress = new ArrayList<>();
        Transfer.Result r = t.importFrom(src, (done, total) -> progress.add(done));
        assertFalse(r.staged());
        assertEquals(Files.size(src) / r.pageSize(), r.pageCount());
        assertEquals(r.pageCount(), (long) progress.get(progress.size() - 1));
        Transfer.DatabaseInfo info = t.info();
        assertEquals(r.version(), info.version());
        assertEquals(r.pageCount(), info.pageCount());

        Path out = tmp.resolve("out.db");
        Transfer.Result e = t.exportTo(out, -1, null);
        assertEquals(r.version(), e.version());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertEquals(2000, rs.getInt(1));
        }
        // the imported pages are readable, CRC-checked, through the page store too
        try (RemotePageStore store = open(server.url(), db); Snapshot snap = store.beginRead()) {
            byte[] p1 = read(snap, 1);
            byte[] file = Files.readAllBytes(src);
            assertArrayEquals(java.util.Arrays.copyOfRange(file, 0, snap.pageSize()), p1);
        }
    }

    @Test
    void largeImportIsStagedAndAtomic() throws Exception {
        Path src = sqliteFile(tmp, 3000);
        String db = newDbName("imp-staged");
        long limit = 8 + 65536 + 100; // forces several stage uploads
        Transfer t = new Transfer(config(server.url(), db).maxRequestBytes(limit).build());
        Transfer.Result r = t.importFrom(src, null);
        assertTrue(r.staged());
        assertEquals(1, r.version());
        Path out = tmp.resolve("staged-out.db");
        t.exportTo(out, -1, null);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
        System.out.println("staged import of " + r.pageCount() + " pages: " + t.stats());
    }

    @Test
    void exportOfAnOlderVersion() throws Exception {
        String db = newDbName("exp-old");
        Transfer t = new Transfer(config(server.url(), db).build());
        Path v1 = sqliteFile(tmp, 10);
        t.importFrom(v1, null);
        Path v2 = sqliteFile(tmp, 500);
        t.importFrom(v2, null);
        Path out = tmp.resolve("old.db");
        Transfer.Result r = t.exportTo(out, 1, null);
        assertEquals(1, r.version());
        assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(out));
    }

    @Test
    void nonSqliteFilesAreRefusedBeforeAnyRequest() throws Exception {
        Path junk = tmp.resolve("junk.db");
        Files.write(junk, "hello, this is not a database".repeat(100).getBytes());
        PageStoreException e = assertThrows(PageStoreException.class, () -> Transfer.inspect(junk));
        assertEquals(Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("not a SQLite database"), e.getMessage());
        Transfer t = new Transfer(config(server.url(), newDbName("junk")).build());
        assertThrows(PageStoreException.class, () -> t.importFrom(junk, null));
        assertEquals(0, t.stats().requests());
    }

    @Test
    void infoOfAMissingDatabaseIsNotFound() throws Exception {
        Transfer t = new Transfer(config(server.url(), newDbName("nope")).build());
        assertEquals(Kind.NOT_FOUND, assertThrows(PageStoreException.class, t::info).kind());
        Path out = tmp.resolve("none.db");
        assertEquals(Kind.NOT_FOUND, assertThrows(PageStoreException.class, () -> t.exportTo(out, -1, null)).kind());
        assertFalse(Files.exists(out));
    }
}
