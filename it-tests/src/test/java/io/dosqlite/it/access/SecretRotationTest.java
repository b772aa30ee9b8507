package io.dosqlite.it.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.ScopedTokens;
import io.dosqlite.testsupport.TestPageServer;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rotating the token secret (a new one in the data directory) revokes every scoped token; the master token still works. */
class SecretRotationTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void aNewSecretRevokesEveryTokenButNotTheMasterToken() throws Exception {
        String db = TestPageServer.freshName("rot");
        TestPageServer.connect(server.jdbc(db)).close();
        RemoteConfig master = RemoteConfig.builder(server.url(), "any").token(TestPageServer.TOKEN).build();
        String token = ScopedTokens.issue(master, "*", true, Duration.ofDays(1)).token();
        Properties p = new Properties();
        p.setProperty("token", token);
        DriverManager.getConnection(server.jdbc(db), p).close();

        server.stop();
        Files.delete(server.dataDir().resolve("token-secret")); // serve makes a new one
        server.restart();

        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(server.jdbc(db), p).close());
        assertEquals("28000", e.getSQLState(), e.toString());
        try (Connection c = TestPageServer.connect(server.jdbc(db))) {
            c.createStatement().execute("create table if not exists t(x)");
        }
    }
}
