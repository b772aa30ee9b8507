package io.dosqlite.cli;

import static io.dosqlite.cli.TransferCommandsTest.dosqlite;
import static io.dosqlite.cli.TransferCommandsTest.fresh;
import static io.dosqlite.testsupport.TestPageServer.TOKEN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.cli.TransferCommandsTest.Run;
import io.dosqlite.remote.History;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.testsupport.TestPageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code dosqlite log / fork / restore} against a real page server (workerd). */
class HistoryCommandsTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--retention", "1h");

    private static long count(String url, String where) throws Exception {
        try (Connection c = TestPageServer.connect("jdbc:dosqlite:" + url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM item " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(String url, String... statements) throws Exception {
        try (Connection c = TestPageServer.connect("jdbc:dosqlite:" + url); Statement s = c.createStatement()) {
            for (String q : statements) {
                s.execute(q);
            }
        }
    }

    private static long version(String url) throws Exception {
        String db = url.substring(url.lastIndexOf('/') + 1);
        return new History(RemoteConfig.builder(server.url(), db).token(TOKEN).build()).log(1).currentVersion();
    }

    @Test
    void logForkAndRestore(@TempDir Path dir) throws Exception {
        String db = fresh();
        String url = server.url() + "/" + db;
        sql(url, "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT)",
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)"
                        + " INSERT INTO item SELECT i, 'item-' || i FROM s");
        long v = version(url);
        Path atV = dir.resolve("v.db");
        assertEquals(0, dosqlite("export", url, atV.toString(), "--token", TOKEN, "-q").code());
        sql(url, "DELETE FROM item WHERE id > 1000", "UPDATE item SET name = 'changed' WHERE id <= 10");

        Run log = dosqlite("log", url, "--token", TOKEN);
        assertEquals(0, log.code(), log.err());
        assertTrue(log.out().contains("history kept 1h back"), log.out());
        assertTrue(log.out().matches("(?s).*\\n +" + v + "  20\\d\\d-.*"), "version " + v + " listed with its time: " + log.out());

        // fork at v: the old rows, diverging independently
        String fork = fresh();
        Run f = dosqlite("fork", url, fork, "--at", String.valueOf(v), "--token", TOKEN);
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().contains("forked " + db + " version " + v + " as " + fork), f.out());
        String forkUrl = server.url() + "/" + fork;
        assertEquals(2000, count(forkUrl, ""));
        sql(forkUrl, "DELETE FROM item WHERE id <= 100");
        assertEquals(1900, count(forkUrl, ""));
        assertEquals(1000, count(url, ""), "the origin is untouched by the fork's writes");
        assertEquals(10, count(url, "WHERE name = 'changed'"));

        Run again = dosqlite("fork", url, fork, "--token", TOKEN);
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        Run forced = dosqlite("fork", url, fork, "--force", "--token", TOKEN);
        assertEquals(0, forced.code(), forced.err());
        assertEquals(1000, count(forkUrl, ""), "--force replaced it with the current version");

        // restore v in place: a new commit whose export is the old file byte for byte
        Run r = dosqlite("restore", url, "--at", String.valueOf(v), "--token", TOKEN);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("restored " + db + " to version " + v), r.out());
        Path now = dir.resolve("now.db");
        assertEquals(0, dosqlite("export", url, now.toString(), "--token", TOKEN, "-q").code());
        assertArrayEquals(Files.readAllBytes(atV), Files.readAllBytes(now));
        assertEquals(2000, count(url, ""));
        assertTrue(version(url) > v + 1, "a new version, the ones between kept");

        Run outside = dosqlite("restore", url, "--at", "2020-01-01T00:00:00Z", "--token", TOKEN);
        assertEquals(1, outside.code());
        assertTrue(outside.err().contains("history is kept for 1 hour"), outside.err());
        Run toExisting = dosqlite("restore", url, "--at", String.valueOf(v), "--to", fork, "--token", TOKEN);
        assertEquals(1, toExisting.code());
        assertTrue(toExisting.err().contains("--force"), toExisting.err());

        Run del = dosqlite("delete", url, "--force", "--token", TOKEN);
        assertEquals(1, del.code(), "an origin with forks is not deleted");
        assertTrue(del.err().contains("forks"), del.err());
    }
}
