package io.dosqlite.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.dosqlite.testsupport.TestPageServer.TOKEN;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.PageStoreException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code dosqlite import / export / stats} and {@link Transfer} against a real page server (workerd). */
class TransferCommandsTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /** Exit code, stdout and stderr of one {@code dosqlite} command. */
    record Run(int code, String out, String err) {
    }

    static Run dosqlite(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String fresh() {
        return "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A real SQLite file made by plain sqlite-jdbc: {@code rows} rows of ~300 bytes, an index. */
    static Path sqliteFile(Path dir, String name, int rows, int pageSize) throws Exception {
        Path f = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = " + pageSize);
            s.execute("PRAGMA journal_mode = DELETE");
            s.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, payload BLOB)");
            s.execute("CREATE INDEX item_name ON item(name)");
            c.setAutoCommit(false);
            Random rnd = new Random(42);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO item(name, payload) VALUES (?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    byte[] b = new byte[300];
                    rnd.nextBytes(b);
                    ins.setString(1, "item-" + i);
                    ins.setBytes(2, b);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            c.commit();
        }
        return f;
    }

    @Test
    void importThenExportIsByteIdenticalAndQueryable(@TempDir Path dir) throws Exception {
        Path src = sqliteFile(dir, "src.db", 2000, 4096);
        String url = server.url() + "/" + fresh();
        Run imp = dosqlite("import", url, src.toString(), "--token", TOKEN);
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("imported"), imp.out());
        assertTrue(imp.err().contains("pages/s"), "progress bar on stderr: " + imp.err());

        Path back = dir.resolve("back.db");
        Run exp = dosqlite("export", "jdbc:dosqlite:" + url, back.toString(), "--token", TOKEN);
        assertEquals(0, exp.code(), exp.err());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(back), "round trip is byte-identical");

        // the imported database is a working dosqlite database
        Properties p = new Properties();
        p.setProperty("token", TOKEN);
        try (Connection c = DriverManager.getConnection("jdbc:dosqlite:" + url, p); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*), max(name) FROM item WHERE name LIKE 'item-1%'")) {
                rs.next();
                assertEquals(1111, rs.getInt(1));
            }
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
            s.execute("DELETE FROM item WHERE id > 1000");
        }
        // export refuses to overwrite unless told; --force replaces it; --at exports an older version
        Run again = dosqlite("export", url, back.toString(), "--token", TOKEN);
        assertEquals(1, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals(0, dosqlite("export", url, back.toString(), "--token", TOKEN, "--force", "-q").code());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + back); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM item")) {
            rs.next();
            assertEquals(1000, rs.getInt(1), "the export is the current version");
        }
        Path v1 = dir.resolve("v1.db");
        Run at = dosqlite("export", url, v1.toString(), "--token", TOKEN, "--at", "1", "--quiet");
        assertEquals(0, at.code(), at.err());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(v1), "version 1 is the imported file");

        Run stats = dosqlite("stats", url, "--token", TOKEN);
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("version     2"), stats.out());
        assertTrue(stats.out().matches("(?s).*billed +\\d+ requests, \\d+ WebSocket messages, \\d+ rows read, [1-9]\\d* rows written.*"),
                "stats prints the server's billed units: " + stats.out());
        assertTrue(stats.out().contains("stored "), stats.out());
        RemoteConfig cfg = RemoteConfig.builder(server.url(), url.substring(url.lastIndexOf('/') + 1)).token(TOKEN).build();
        Transfer.DatabaseInfo info = new Transfer(cfg).info();
        assertTrue(info.billing() != null && info.billing().requests() > 0 && info.billing().storedBytes() > 0, String.valueOf(info));
    }

    @Test
    void largeImportGoesInStagesAndIsPublishedAtOnce(@TempDir Path dir) throws Exception {
        Path src = sqliteFile(dir, "big.db", 3000, 1024);
        String db = fresh();
        // a 70 KB request limit makes this ~1.2 MB file go up in ~20 stage uploads + 1 commit
        RemoteConfig cfg = RemoteConfig.builder(server.url(), db).token(TOKEN).maxRequestBytes(8 + 65536 + 1000).build();
        Transfer t = new Transfer(cfg);
        long[] last = {-1, -1};
        Transfer.Result r = t.importFrom(src, (done, total) -> {
            assertTrue(done >= last[0], "progress never goes back");
            last[0] = done;
            last[1] = total;
        });
        long pages = Files.size(src) / 1024;
        assertTrue(r.staged());
        assertEquals(pages, r.pageCount());
        assertEquals(1024, r.pageSize());
        assertEquals(pages, last[0]);
        assertEquals(pages, last[1]);
        assertEquals(1, t.info().version(), "one commit published every stage");
        assertTrue(t.stats().requests() > 15, "several stage uploads: " + t.stats());

        Path back = dir.resolve("back.db");
        Transfer.Result e = new Transfer(cfg).exportTo(back, -1, Transfer.Progress.NONE);
        assertEquals(1, e.version());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(back));

        // importing again replaces the content as one new version
        Path small = sqliteFile(dir, "small.db", 10, 1024);
        Transfer.Result r2 = new Transfer(cfg).importFrom(small, Transfer.Progress.NONE);
        assertEquals(2, r2.version());
        new Transfer(cfg).exportTo(back, -1, Transfer.Progress.NONE);
        assertArrayEquals(Files.readAllBytes(small), Files.readAllBytes(back));

        // a file of another page size cannot replace a database that has pages
        Path other = sqliteFile(dir, "other.db", 5, 4096);
        Run r3 = dosqlite("import", server.url() + "/" + db, other.toString(), "--token", TOKEN);
        assertEquals(1, r3.code());
        assertTrue(r3.err().contains("page size 1024"), r3.err());
        assertEquals(2, new Transfer(cfg).info().version(), "nothing was imported");
    }

    @Test
    void exportIsOneVersionWhileAWriterCommits(@TempDir Path dir) throws Exception {
        String db = fresh();
        String jdbc = "jdbc:dosqlite:" + server.url() + "/" + db;
        Properties p = new Properties();
        p.setProperty("token", TOKEN);
        try (Connection c = DriverManager.getConnection(jdbc, p); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, gen INTEGER, payload BLOB)");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 4000)"
                    + " INSERT INTO item SELECT v, 0, randomblob(200) FROM n");
        }
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(jdbc, p); Statement s = c.createStatement()) {
                // every transaction moves every row to the next generation: a consistent snapshot has one gen
                for (int g = 1; !stop.get() && g < 200; g++) {
                    s.executeUpdate("UPDATE item SET gen = " + g + ", payload = randomblob(200)");
                    commits.incrementAndGet();
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 5; i++) {
                Path out = dir.resolve("snap" + i + ".db");
                Run r = dosqlite("export", server.url() + "/" + db, out.toString(), "--token", TOKEN, "--quiet");
                assertEquals(0, r.code(), r.err());
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement s = c.createStatement()) {
                    try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                        rs.next();
                        assertEquals("ok", rs.getString(1), out.toString());
                    }
                    try (ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT gen) FROM item")) {
                        rs.next();
                        assertEquals(4000, rs.getInt(1));
                        assertEquals(1, rs.getInt(2), "one version, not a mix of two");
                    }
                }
            }
        } finally {
            stop.set(true);
            writer.join(60_000);
        }
        assertTrue(commits.get() > 0);
    }

    @Test
    void nonSqliteFileIsRefusedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "this is not a database\n".repeat(500));
        String db = fresh();
        String url = server.url() + "/" + db;
        Run r = dosqlite("import", url, notes.toString(), "--token", TOKEN);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a SQLite database file"), r.err());
        assertTrue(r.err().toLowerCase().contains("nothing was sent"), r.err());
        assertFalse(r.err().contains("pages/s"), "no progress bar for a refused file");

        Transfer t = new Transfer(RemoteConfig.builder(server.url(), db).token(TOKEN).build());
        PageStoreException e = assertThrows(PageStoreException.class, t::info);
        assertEquals(PageStoreException.Kind.NOT_FOUND, e.kind(), "the database was not even created");

        // a truncated SQLite file is refused too
        Path good = sqliteFile(dir, "good.db", 200, 4096);
        byte[] b = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.db");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 1000));
        Run r2 = dosqlite("import", url, cut.toString(), "--token", TOKEN);
        assertEquals(1, r2.code());
        assertTrue(r2.err().contains("not a multiple of"), r2.err());
        Files.write(dir.resolve("good.db-journal"), new byte[512]);
        Run hot = dosqlite("import", url, good.toString(), "--token", TOKEN);
        assertEquals(1, hot.code());
        assertTrue(hot.err().contains("good.db-journal"), hot.err());
        Run r3 = dosqlite("import", url, dir.resolve("missing.db").toString(), "--token", TOKEN);
        assertEquals(1, r3.code());
        assertTrue(r3.err().contains("no such file"), r3.err());
        assertEquals(PageStoreException.Kind.NOT_FOUND, assertThrows(PageStoreException.class, t::info).kind());
    }

    @Test
    void clearErrorsForTokenUrlAndMissingDatabase(@TempDir Path dir) throws Exception {
        Path src = sqliteFile(dir, "x.db", 5, 4096);
        Run wrong = dosqlite("import", server.url() + "/" + fresh(), src.toString(), "--token", "wrong");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("token"), wrong.err());

        Run noDb = dosqlite("export", server.url() + "/" + fresh(), dir.resolve("o.db").toString(), "--token", TOKEN);
        assertEquals(1, noDb.code());
        assertTrue(noDb.err().contains("does not exist"), noDb.err());
        assertFalse(Files.exists(dir.resolve("o.db")), "nothing written for a failed export");

        Run badUrl = dosqlite("export", "ftp://host/db", dir.resolve("o.db").toString());
        assertEquals(1, badUrl.code());
        assertTrue(badUrl.err().contains("http://"), badUrl.err());
        Run noName = dosqlite("export", server.url(), dir.resolve("o.db").toString());
        assertEquals(1, noName.code());
        assertTrue(noName.err().contains("names no database"), noName.err());
        Run usage = dosqlite("import", server.url() + "/x");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("usage: dosqlite import"), usage.err());
        Run stats = dosqlite("stats", server.url() + "/" + fresh(), "--token", TOKEN);
        assertEquals(1, stats.code());
        assertTrue(stats.err().contains("does not exist"), stats.err());
    }

    @Test
    void progressLineAndUrlParsing() throws Exception {
        String l = ProgressBar.line("import", 50, 200, 2.0);
        assertTrue(l.contains(" 25%") && l.contains("50/200 pages") && l.contains("25 pages/s") && l.contains("ETA 0:06"), l);
        assertTrue(ProgressBar.line("export", 0, 0, 0.1).contains("100%"));
        assertEquals("1:01:05", ProgressBar.clock(3665));

        CommandLine cl = CommandLine.parse(new String[] {"--token", "t"});
        RemoteConfig c = RemoteTarget.parse("jdbc:dosqlite:https://example.com:8443/prefix/mydb?readTimeout=5&cacheSize=1MB", cl);
        assertEquals("https://example.com:8443/prefix", c.baseUrl().replaceAll("/$", ""));
        assertEquals("mydb", c.database());
        assertEquals("t", c.token());
        assertEquals(5, c.readTimeout().toSeconds());
        CommandLine none = CommandLine.parse(new String[0]);
        none.token = null;
        assertEquals("u", RemoteTarget.parse("http://h/db?token=u", none).token());
        PageStoreException e = assertThrows(PageStoreException.class, () -> RemoteTarget.parse("http://h/db?bogus=1", none));
        assertTrue(e.getMessage().contains("Unknown dosqlite property 'bogus'"), e.getMessage());
    }
}
