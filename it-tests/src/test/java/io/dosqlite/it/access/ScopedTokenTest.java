package io.dosqlite.it.access;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.ScopedTokens;
import io.dosqlite.remote.Transfer;
import io.dosqlite.testsupport.TestPageServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scoped tokens through JDBC against a real workerd: what a user of a read-only, a pattern-scoped,
 * an expired, a forged and a revoked token sees (SQLStates 42501 and 28000), and that a refused
 * write changes no page.
 */
class ScopedTokenTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    static final String REPORTS = TestPageServer.freshName("reports");
    static final String SALES = TestPageServer.freshName("sales");

    @BeforeAll
    static void databases() throws SQLException {
        for (String db : new String[] {REPORTS, SALES}) {
            try (Connection c = TestPageServer.connect(server.jdbc(db)); Statement s = c.createStatement()) {
                s.execute("create table t(x integer primary key, v text)");
                s.execute("insert into t values (1, 'one'), (2, 'two')");
            }
        }
    }

    static String issue(String scope, boolean readOnly, Duration d) throws Exception {
        RemoteConfig master = RemoteConfig.builder(server.url(), "any").token(TestPageServer.TOKEN).build();
        return ScopedTokens.issue(master, scope, readOnly, d).token();
    }

    static Connection as(String db, String token, String... more) throws SQLException {
        Properties p = new Properties();
        p.setProperty("token", token);
        for (int i = 0; i < more.length; i += 2) {
            p.setProperty(more[i], more[i + 1]);
        }
        return DriverManager.getConnection(server.jdbc(db), p);
    }

    static byte[] export(String db, Path dir) throws Exception {
        Path f = dir.resolve(db + "-" + System.nanoTime() + ".db");
        new Transfer(RemoteConfig.builder(server.url(), db).token(TestPageServer.TOKEN).build()).exportTo(f, -1, null);
        return Files.readAllBytes(f);
    }

    static int count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aReadOnlyTokenReadsAndItsWriteIs42501WithNoPageChanged(@TempDir Path dir) throws Exception {
        String ro = (issue(REPORTS.substring(0, 8) + "*", true, Duration.ofHours(1)));
        byte[] before = export(REPORTS, dir);
        try (Connection c = as(REPORTS, ro)) {
            assertEquals(2, count(c));
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("insert into t values (3, 'three')");
                }
            });
            assertEquals("42501", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertEquals(2, count(c), "the connection still reads after the refused write");
        }
        assertArrayEquals(before, export(REPORTS, dir), "a refused write changed no page");
    }

    @Test
    void aTokenOpensOnlyTheDatabasesOfItsPattern() throws Exception {
        String rw = issue(SALES, false, Duration.ofHours(1));
        try (Connection c = as(SALES, rw); Statement s = c.createStatement()) {
            s.executeUpdate("insert into t values (10, 'ten')");
            assertEquals(3, count(c));
        }
        SQLException e = assertThrows(SQLException.class, () -> as(REPORTS, rw).close());
        assertEquals("42501", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains(REPORTS), e.getMessage());
    }

    @Test
    void expiredAndForgedTokensAre28000() throws Exception {
        String secret = Files.readString(server.dataDir().resolve("token-secret"), StandardCharsets.UTF_8).trim();
        String expired = sign(secret, "{\"db\":\"*\",\"ro\":false,\"exp\":" + (System.currentTimeMillis() / 1000 - 1) + "}");
        SQLException e1 = assertThrows(SQLException.class, () -> as(SALES, expired).close());
        assertEquals("28000", e1.getSQLState(), e1.toString());
        assertTrue(e1.getMessage().contains("expired"), e1.getMessage());

        String widened = sign("not-the-server-secret", "{\"db\":\"*\",\"ro\":false,\"exp\":4102444800}");
        String ro = issue("*", true, Duration.ofHours(1));
        String tampered = ro.substring(0, ro.indexOf('.') + 1) + widened.split("\\.")[1] + ro.substring(ro.lastIndexOf('.'));
        for (String forged : new String[] {widened, tampered}) {
            SQLException e = assertThrows(SQLException.class, () -> as(SALES, forged).close());
            assertEquals("28000", e.getSQLState(), forged + ": " + e);
        }
    }

    /** The token format, written from docs/protocol.md independently of the server. */
    static String sign(String secret, String payloadJson) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String head = "dsq1." + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return head + "." + b64.encodeToString(mac.doFinal(head.getBytes(StandardCharsets.UTF_8)));
    }
}
