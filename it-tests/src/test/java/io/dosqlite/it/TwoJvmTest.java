package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Separate JVMs writing one database: kept apart by the server's version check (invariant 2). */
class TwoJvmTest {
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void loserOfAConcurrentCommitGets40001AndNoUpdateIsLost() throws Exception {
        String url = CounterClient.newDatabase(server, "db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {

            c.setAutoCommit(false);
            s.executeUpdate("UPDATE counter SET n = n + 10 WHERE id = 1");
            // Another JVM commits while this transaction is open.
            assertEquals("done 0", runClient(url, 1).get(0));
            SQLException e = assertThrows(SQLException.class, c::commit);
            assertEquals("40001", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("retry"), e.getMessage());

            // Retrying the transaction works and sees the other JVM's commit.
            c.rollback();
            s.executeUpdate("UPDATE counter SET n = n + 10 WHERE id = 1");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(11, counter(s));
        }
    }

    @Test
    void readerSeesAnotherJvmsAcknowledgedCommitInItsNextTransaction() throws Exception {
        String url = CounterClient.newDatabase(server, "db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            for (int i = 1; i <= 3; i++) {
                assertEquals(i - 1, counter(s));
                runClient(url, 1);
                assertEquals(i, counter(s), "commit acknowledged to the other JVM must be visible");
            }
        }
    }

    @Test
    void anAutocommitUpdateSeesAnotherJvmsCommitEvenWhenItWouldChangeNothingOnTheOldVersion() throws Exception {
        String url = CounterClient.newDatabase(server, "db");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            assertEquals(0, counter(s));
            runClient(url, 1); // n = 1 now; this JVM last saw n = 0
            // Updates run optimistically on the version this JVM knows; on that version the WHERE
            // clause matches nothing, so only the freshness check can make it see the row.
            assertEquals(1, s.executeUpdate("UPDATE counter SET n = n * 10 WHERE n = 1"));
            assertEquals(10, counter(s));
            runClient(url, 1); // n = 11; a stale optimistic commit is refused and runs again
            assertEquals(1, s.executeUpdate("UPDATE counter SET n = n + 100 WHERE id = 1"));
            assertEquals(111, counter(s));
        }
    }

    @Test
    void twoJvmsIncrementingConcurrentlyLoseNothing() throws Exception {
        String url = CounterClient.newDatabase(server, "db");
        int perClient = 40;
        List<Process> clients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            clients.add(startClient(url, perClient));
        }
        for (Process p : clients) {
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), "client did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out + err);
        }
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            assertEquals(2 * perClient, counter(s));
        }
    }


    private static int counter(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT n FROM counter WHERE id = 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<String> runClient(String url, int n) throws Exception {
        Process p = startClient(url, n);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + err);
        return out.lines().toList();
    }

    private static Process startClient(String url, int n) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CounterClient.class.getName(), url, TestPageServer.TOKEN, Integer.toString(n))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
    }
}
