package io.dosqlite.it.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dosqlite.local.LocalPageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The page server in a container built from page-server/Dockerfile, driven by the JDBC driver:
 * how a user would test an application against dosqlite in CI with Testcontainers. Skipped, with
 * the reason, where no Docker engine is reachable (as on the project's own machines).
 */
class TestcontainersPageServerTest {
    private static final String TOKEN = "tc-token";

    @Test
    @Timeout(600)
    void pageServerInAContainer() throws Exception {
        assumeTrue(dockerAvailable(), "no Docker engine reachable (DOCKER_HOST / /var/run/docker.sock):"
                + " the Testcontainers test of the page-server image is skipped");
        Path dir = LocalPageServer.findPageServerDir();
        Path dockerfile = dir.resolve("Dockerfile");
        assumeTrue(Files.isRegularFile(dockerfile), "no " + dockerfile);
        ImageFromDockerfile image = new ImageFromDockerfile("dosqlite-page-server-test", true).withDockerfile(dockerfile);
        try (GenericContainer<?> c = new GenericContainer<>(image)
                .withEnv("DOSQLITE_TOKEN", TOKEN)
                .withExposedPorts(8787)
                .waitingFor(Wait.forLogMessage(".*READY http.*\\n", 1).withStartupTimeout(Duration.ofMinutes(3)))) {
            c.start();
            String url = "jdbc:dosqlite:http://" + c.getHost() + ":" + c.getMappedPort(8787) + "/tc";
            Properties p = new Properties();
            p.setProperty("token", TOKEN);
            try (Connection conn = DriverManager.getConnection(url, p); Statement s = conn.createStatement()) {
                s.execute("CREATE TABLE t(x)");
                s.execute("INSERT INTO t VALUES (1), (2), (3)");
                try (ResultSet rs = s.executeQuery("SELECT sum(x) FROM t")) {
                    rs.next();
                    assertEquals(6, rs.getInt(1));
                }
            }
        }
    }

    /** Asks Testcontainers, which tries its strategies once (fast when there is no socket at all). */
    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }
}
