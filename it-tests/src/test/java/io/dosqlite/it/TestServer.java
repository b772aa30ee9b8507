package io.dosqlite.it;

import io.dosqlite.remote.local.LocalPageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;

/** A real page server (workerd) on a free 127.0.0.1 port with its own data directory. */
final class TestServer implements AutoCloseable {
    static final String TOKEN = "it-token-" + UUID.randomUUID();

    final Path dataDir;
    private LocalPageServer server;

    private TestServer(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.server = LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, TOKEN, 0);
    }

    static TestServer start() throws IOException {
        return new TestServer(Files.createTempDirectory("dosqlite-it-"));
    }

    String url() {
        return server.url();
    }

    /** The workerd process itself, for tests that stop or kill it. */
    long workerdPid() {
        return server.workerdPid();
    }

    /** A JDBC URL for a database no other test uses. */
    String freshDatabaseUrl() {
        return "jdbc:dosqlite:" + url() + "/db-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A CTE {@code series(value)} of the integers from..to; sqlite-jdbc has no generate_series. */
    static String series(int from, int to) {
        return "WITH RECURSIVE series(value) AS (SELECT " + from
                + " UNION ALL SELECT value + 1 FROM series WHERE value < " + to + ")";
    }

    static Properties withToken() {
        Properties p = new Properties();
        p.setProperty("token", TOKEN);
        return p;
    }

    static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, withToken());
    }

    /** Stops and starts workerd on the same port and data directory. */
    void restart() throws IOException {
        int port = Integer.parseInt(url().substring(url().lastIndexOf(':') + 1));
        server.close();
        server = LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, TOKEN, port);
    }

    void stop() {
        server.close();
    }

    @Override
    public void close() {
        server.close();
    }
}
