package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Frames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad input (invariant 8): each row is one mistake a user or client can make, with the exact
 * answer they get (SQLState or HTTP status + error code, and a fragment of the message that says
 * what to do), within a time bound. After all rows the server still serves and the reference
 * database is byte-for-byte what it was.
 */
class BadInputTest {
    private static TestPageServer server;
    private static RawHttp h;
    private static final String REF = "reference-db";
    private static byte[] refBefore;
    private static long refVersion;
    private static final int PS = 4096;

    @BeforeAll
    static void start() throws Exception {
        server = TestPageServer.start();
        h = RawHttp.of(server.url());
        try (Connection c = TestPageServer.connect(server.jdbc(REF))) {
            Rel.exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 0; i < 20; i++) {
                Rel.exec(c, "INSERT INTO t VALUES (" + i + ", '" + "x".repeat(200) + i + "')");
            }
        }
        refBefore = h.export(REF).body();
        refVersion = h.version(REF);
    }

    @AfterAll
    static void stop() {
        Rel.closeQuietly(server);
    }

    interface JdbcCall {
        void run() throws SQLException;
    }

    interface HttpCall {
        RawHttp.Resp run() throws IOException;
    }

    static DynamicTest jdbc(String name, String state, String fragment, JdbcCall call) {
        return DynamicTest.dynamicTest(name, () -> {
            long t0 = System.nanoTime();
            try {
                call.run();
                fail(name + ": no error");
            } catch (SQLException e) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                Rel.figure("bad input", name, "SQLState " + e.getSQLState() + " in " + ms + " ms: " + e.getMessage());
                assertEquals(state, e.getSQLState(), name + ": " + e.getMessage());
                assertTrue(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                        name + ": message should contain '" + fragment + "': " + e.getMessage());
                assertTrue(ms < 15_000, name + " took " + ms + " ms");
            }
        });
    }

    static DynamicTest http(String name, int status, String code, String fragment, HttpCall call) {
        return DynamicTest.dynamicTest(name, () -> {
            RawHttp.Resp r = call.run();
            Rel.figure("bad input", name, "HTTP " + r.status() + " " + r.error() + ": " + r.str("message"));
            assertEquals(status, r.status(), name + ": " + r);
            assertEquals(code, r.error(), name + ": " + r);
            assertTrue(String.valueOf(r.str("message")).toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                    name + ": message should contain '" + fragment + "': " + r);
        });
    }

    static Connection open(String url, String... kv) throws SQLException {
        return TestPageServer.connect(url, kv);
    }

    static void openAndClose(String url, String... kv) throws SQLException {
        open(url, kv).close();
    }

    @TestFactory
    Stream<DynamicTest> eachBadInputGetsItsExactErrorAndNothingIsHarmed() throws IOException {
        String s = server.url();
        String db = "jdbc:dosqlite:" + s + "/";
        int down = LocalPageServer.freePort();
        String commit = "/v1/databases/" + REF + "/commit";
        List<DynamicTest> rows = new ArrayList<>(List.of(
            // ---- URL and properties (JDBC) ----
            jdbc("URL with ftp scheme", "08001", "http or https", () -> openAndClose("jdbc:dosqlite:ftp://127.0.0.1/db")),
            jdbc("URL without database", "08001", "names no database", () -> openAndClose("jdbc:dosqlite:" + s)),
            jdbc("URL with only a slash after the host", "08001", "names no database", () -> openAndClose(db)),
            jdbc("URL with a space", "08001", "malformed", () -> openAndClose(db + "bad name")),
            jdbc("database name starting with '-'", "08001", "invalid database name", () -> openAndClose(db + "-db")),
            jdbc("database name of 64 characters", "08001", "invalid database name", () -> openAndClose(db + "a".repeat(64))),
            jdbc("database name with an encoded space", "08001", "invalid database name", () -> openAndClose(db + "d%20b")),
            jdbc("URL with user:password@", "08001", "token", () -> openAndClose("jdbc:dosqlite:http://u:p@127.0.0.1:" + server.port() + "/x")),
            jdbc("URL with a #fragment", "08001", "fragment", () -> openAndClose(db + "x#frag")),
            jdbc("URL without host", "08001", "host", () -> openAndClose("jdbc:dosqlite:http:///x")),
            jdbc("URL with a non-numeric port", "08001", "has no host", () -> openAndClose("jdbc:dosqlite:http://127.0.0.1:abc/x")),
            jdbc("unknown URL property", "08001", "unknown dosqlite property 'foo'", () -> openAndClose(db + "x?foo=1")),
            jdbc("URL parameter without value", "08001", "name=value", () -> openAndClose(db + "x?cacheSize")),
            jdbc("unknown Properties entry", "08001", "unknown dosqlite property 'bogus'", () -> openAndClose(db + "x", "bogus", "1")),
            jdbc("pageSize=1000 (not a power of two)", "08001", "pageSize", () -> openAndClose(db + "x?pageSize=1000")),
            jdbc("pageSize=256 (too small)", "08001", "pageSize", () -> openAndClose(db + "x?pageSize=256")),
            jdbc("pageSize=131072 (too large)", "08001", "pageSize", () -> openAndClose(db + "x?pageSize=131072")),
            jdbc("cacheSize=lots", "08001", "cacheSize", () -> openAndClose(db + "x?cacheSize=lots")),
            jdbc("create=maybe", "08001", "true or false", () -> openAndClose(db + "x?create=maybe")),
            jdbc("readTimeout=0", "08001", "readTimeout", () -> openAndClose(db + "x?readTimeout=0")),
            jdbc("connectTimeout=abc", "08001", "connectTimeout", () -> openAndClose(db + "x?connectTimeout=abc")),
            jdbc("maxRetries=-1", "08001", "maxRetries", () -> openAndClose(db + "x?maxRetries=-1")),
            // ---- token, server, database ----
            jdbc("wrong token", "28000", "token", () -> DriverManager.getConnection(db + REF, props("token", "wrong")).close()),
            jdbc("no token", "28000", "token", () -> DriverManager.getConnection(db + REF, new Properties()).close()),
            jdbc("token with a line break", "22023", "line break", () -> DriverManager.getConnection(db + REF, props("token", "a\nb")).close()),
            jdbc("server not running", "08006", "cannot reach", () -> openAndClose("jdbc:dosqlite:http://127.0.0.1:" + down + "/x", "connectTimeout", "2")),
            jdbc("server accepts connections but never answers", "08006", "did not answer", () -> {
                try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                    Thread t = new Thread(() -> {
                        java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
                        try {
                            while (true) {
                                held.add(silent.accept());
                            }
                        } catch (IOException ignored) {
                            held.forEach(Rel::closeQuietly);
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                    openAndClose("jdbc:dosqlite:http://127.0.0.1:" + silent.getLocalPort() + "/x", "readTimeout", "2");
                } catch (IOException e) {
                    throw new SQLException(e);
                }
            }),
            jdbc("server answers something that is not HTTP", "08006", "broke", () -> {
                try (java.net.ServerSocket garbage = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                    Thread t = new Thread(() -> {
                        try {
                            while (true) {
                                try (java.net.Socket c = garbage.accept()) {
                                    c.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
                                }
                            }
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                    openAndClose("jdbc:dosqlite:http://127.0.0.1:" + garbage.getLocalPort() + "/x", "readTimeout", "2");
                } catch (IOException e) {
                    throw new SQLException(e);
                }
            }),
            jdbc("missing database with create=false", "08004", "does not exist", () -> openAndClose(db + "never-created", "create", "false")),
            jdbc("missing database with readOnly=true", "08004", "readOnly", () -> openAndClose(db + "never-created-2", "readOnly", "true")),
            jdbc("write on a readOnly=true connection", "25006", "readonly", () -> {
                try (Connection c = open(db + REF, "readOnly", "true")) {
                    Rel.exec(c, "INSERT INTO t VALUES (1000, 'no')");
                }
            }),
            jdbc("PRAGMA journal_mode=WAL", "42000", "journal_mode=WAL is not supported", () -> {
                try (Connection c = open(db + REF)) {
                    String mode = Rel.text(c, "PRAGMA journal_mode=WAL");
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new SQLException("journal_mode stayed " + mode + " without an error (WAL silently ignored)", "NOERR");
                    }
                }
            }),
            jdbc("PRAGMA journal_mode=OFF", "42000", "journal_mode=OFF is not supported", () -> {
                try (Connection c = open(db + REF)) {
                    String mode = Rel.text(c, "PRAGMA journal_mode=OFF");
                    if (!"off".equalsIgnoreCase(mode)) {
                        throw new SQLException("journal_mode stayed " + mode + " without an error (OFF silently ignored)", "NOERR");
                    }
                    throw new SQLException("journal_mode=OFF was accepted", "ACCEPTED");
                }
            }),
            // ---- HTTP: verbs, routes, names ----
            http("PATCH on a database", 405, "method_not_allowed", "use GET or PUT or DELETE",
                () -> h.send("PATCH", "/v1/databases/" + REF, new byte[0])),
            http("POST on /changes", 405, "method_not_allowed", "not allowed", () -> h.send("POST", "/v1/databases/" + REF + "/changes", new byte[0])),
            http("unknown API version /v2", 404, "unknown_route", "/v1/databases", () -> h.get("/v2/databases")),
            http("database name with '!'", 400, "invalid_name", "1-63 characters", () -> h.create("bad!name", PS)),
            http("database name of 64 characters", 400, "invalid_name", "1-63 characters", () -> h.create("a".repeat(64), PS)),
            http("create with page size 1000", 400, "invalid_page_size", "power of two", () -> h.create("ps1000", 1000)),
            http("create with page size 131072", 400, "invalid_page_size", "power of two", () -> h.create("ps131072", 131072)),
            http("create with a body that is not JSON", 400, "bad_request", "json", () -> h.json("PUT", "/v1/databases/notjson", "{pageSize:")),
            http("missing token", 401, "unauthorized", "missing bearer token", () -> h.withToken(null).info(REF)),
            http("wrong token", 401, "unauthorized", "wrong token", () -> h.withToken("nope").info(REF)),
            http("database never created", 404, "not_found", "create it first", () -> h.info("never-created")),
            http("DELETE of a database never created", 404, "not_found", "create it first", () -> h.send("DELETE", "/v1/databases/never-created", null)),
            // ---- HTTP: version checks and reads ----
            http("changes?since=abc", 400, "bad_version", "non-negative integer", () -> h.get("/v1/databases/" + REF + "/changes?since=abc")),
            http("read of 4,097 pages", 413, "too_many_pages", "4096", () -> h.read(REF, refVersion, range(1, 4097))),
            http("read of page 0", 400, "page_out_of_range", "out of range", () -> h.read(REF, refVersion, 0)),
            http("read beyond the page count", 400, "page_out_of_range", "out of range", () -> h.read(REF, refVersion, 99_999)),
            http("read of a future version", 400, "bad_version", "does not exist yet", () -> h.read(REF, 99_999, 1)),
            http("read without a page list", 400, "bad_request", "pages", () -> h.json("POST", "/v1/databases/" + REF + "/read", "{\"version\":1}")),
            // ---- HTTP: commits ----
            http("commit without Idempotency-Key", 400, "bad_idempotency_key", "Idempotency-Key",
                () -> h.commit(REF, refVersion, 2, PS, null, Frames.pattern(1, 1, PS, 0))),
            http("commit with an invalid Idempotency-Key", 400, "bad_idempotency_key", "Idempotency-Key",
                () -> h.commit(REF, refVersion, 2, PS, "bad.key!", Frames.pattern(1, 1, PS, 0))),
            http("commit without base", 400, "bad_version", "base", () -> h.send("POST", commit + "?pageCount=2", Frames.pattern(1, 1, PS, 0),
                "Idempotency-Key", "nobase")),
            http("commit with base=abc", 400, "bad_version", "non-negative integer", () -> h.send("POST", commit + "?base=abc&pageCount=2",
                Frames.pattern(1, 1, PS, 0), "Idempotency-Key", "abcbase")),
            http("commit with a damaged page (CRC mismatch)", 400, "bad_checksum", "nothing was written", () -> {
                byte[] f = Frames.pattern(1, 1, PS, 0);
                f[100] ^= 1;
                return h.commit(REF, refVersion, 2, PS, "badcrc", f);
            }),
            http("commit with a partial frame", 400, "bad_frame", "multiple of 8 + pagesize",
                () -> h.commit(REF, refVersion, 2, PS, "partial", Arrays.copyOf(Frames.pattern(1, 1, PS, 0), 100))),
            http("commit of a page beyond pageCount", 400, "page_out_of_range", "out of range",
                () -> h.commit(REF, refVersion, 2, PS, "beyond", Frames.pattern(5, 5, PS, 0))),
            http("commit with another page size", 400, "page_size_mismatch", "does not match",
                () -> h.commit(REF, refVersion, 2, 8192, "ps8192", Frames.pattern(1, 1, 8192, 0))),
            http("commit with page size 1000", 400, "invalid_page_size", "power of two",
                () -> h.commit(REF, refVersion, 2, 1000, "ps1000", new byte[0])),
            http("commit on a stale base (lost update)", 409, "conflict", "retry",
                () -> h.commit(REF, refVersion - 1, 2, PS, "stale", Frames.pattern(1, 1, PS, 0))),
            http("commit naming an unknown stage", 404, "unknown_stage", "upload the pages again",
                () -> h.commit(REF, refVersion, 2, PS, "nostage", "never-uploaded", new byte[0])),
            http("commit body over 32 MiB", 413, "body_too_large", "stage",
                () -> h.commit(REF, refVersion, 9000, PS, "huge", new byte[33 * 1024 * 1024 + 8 * 4104])),
            http("stage with an invalid id", 400, "bad_stage_id", "1-64 characters",
                () -> h.send("POST", "/v1/databases/" + REF + "/stage/bad.id?pageSize=4096", Frames.pattern(1, 1, PS, 0))),
            http("outcome of a commit never sent", 404, "unknown_key", "did not happen", () -> h.get("/v1/databases/" + REF + "/commits/never-sent")),
            // ---- HTTP: import ----
            http("import of a file that is not SQLite", 400, "not_sqlite", "",
                () -> h.send("PUT", "/v1/databases/import-junk/import", "this is not a database".repeat(300).getBytes(StandardCharsets.UTF_8))),
            http("import of a truncated SQLite file", 400, "not_sqlite", "",
                () -> h.send("PUT", "/v1/databases/import-cut/import", Arrays.copyOf(refBefore, refBefore.length - PS / 2))),
            http("import of a SQLite header with a bad page size", 400, "not_sqlite", "", () -> {
                byte[] f = refBefore.clone();
                f[16] = 0;
                f[17] = 3; // page size 3
                return h.send("PUT", "/v1/databases/import-ps/import", f);
            }),
            DynamicTest.dynamicTest("a rejected import writes nothing", () -> {
                for (String d : new String[] {"import-junk", "import-cut", "import-ps"}) {
                    RawHttp.Resp r = h.info(d);
                    assertTrue(r.status() == 404 || r.num("pageCount") == 0, d + " after a rejected import: " + r);
                }
            }),
            DynamicTest.dynamicTest("page server on a port already in use", () -> {
                long t0 = System.nanoTime();
                LocalPageServer second = null;
                java.nio.file.Path busyDir = Rel.tempDir("busy");
                try {
                    second = LocalPageServer.start(LocalPageServer.findPageServerDir(), busyDir, "other-token", server.port());
                } catch (IOException e) {
                    Rel.figure("bad input", "page server on a port already in use", "IOException: " + e.getMessage().replace("\n", " / "));
                    return;
                } finally {
                    if (second != null) {
                        second.close();
                    }
                    Rel.deleteTree(busyDir);
                }
                Rel.figure("bad input", "page server on a port already in use", "started 'successfully' (READY) in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms although the port belongs to another server");
                fail("LocalPageServer.start on a port that another server holds reported READY instead of failing:"
                        + " its readiness probe reached the other server");
            })
        ));
        rows.add(DynamicTest.dynamicTest("after all rows: server serves, reference database unchanged", () -> {
            assertEquals(refVersion, h.version(REF), "version of the reference database");
            assertArrayEquals(refBefore, h.export(REF).body(), "bytes of the reference database");
            try (Connection c = TestPageServer.connect(server.jdbc(REF) + "?cacheSize=0")) {
                assertEquals("ok", Rel.integrity(c));
                assertEquals(20, Rel.one(c, "SELECT count(*) FROM t"));
            }
            Rel.figure("bad input", "rows", rows.size() - 1);
        }));
        return rows.stream();
    }

    static long[] range(long from, long count) {
        long[] r = new long[(int) count];
        for (int i = 0; i < count; i++) {
            r[i] = from + i;
        }
        return r;
    }

    static Properties props(String k, String v) {
        Properties p = new Properties();
        p.setProperty(k, v);
        return p;
    }
}
