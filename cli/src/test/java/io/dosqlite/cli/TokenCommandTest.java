package io.dosqlite.cli;

import static io.dosqlite.cli.CliProcessTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.cli.CliProcessTest.Run;
import io.dosqlite.testsupport.TestPageServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code dosqlite token create} and what a sqlline user of the token it prints sees: reads work,
 * a write is refused with SQLState 42501 and changes nothing, another database is refused,
 * a forged token gets 28000.
 */
class TokenCommandTest {
    private static final String MASTER = TestPageServer.TOKEN;
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void aReadOnlyTokenFromTheCliQueriesInSqllineButCannotWrite() throws Exception {
        String reports = TestPageServer.freshName("reports");
        String url = server.url() + "/" + reports;
        assertEquals(0, cli("create table t(x);\ninsert into t values (7);\n", "shell", url, "--token", MASTER).code());

        Run issued = cli("", "token", "create", server.url(), "--db", "reports*", "--read-only", "--expires", "30d", "--token", MASTER);
        assertEquals(0, issued.code(), issued.err());
        String token = issued.out().trim();
        assertTrue(token.startsWith("dsq1.") && !token.contains("\n"), "stdout is the token alone: " + issued.out());
        assertTrue(issued.err().contains("read-only token for databases matching 'reports*'"), issued.err());

        Run read = cli("select x * 6 from t;\n", "shell", url, "--token", token);
        assertEquals(0, read.code(), read.err());
        assertTrue(read.out().contains("42"), read.out());

        Run write = cli("insert into t values (8);\n", "shell", url, "--token", token);
        assertNotEquals(0, write.code(), write.out() + write.err());
        assertTrue((write.out() + write.err()).contains("42501"), write.out() + write.err());
        assertTrue((write.out() + write.err()).contains("read-only"), write.out() + write.err());
        Run count = cli("select count(*) from t;\n", "shell", url, "--token", MASTER);
        assertTrue(count.out().contains("| 1 "), "the refused insert changed nothing: " + count.out());

        Run other = cli("select 1;\n", "shell", server.url() + "/" + TestPageServer.freshName("sales"), "--token", token);
        assertNotEquals(0, other.code());
        assertTrue((other.out() + other.err()).contains("42501"), other.out() + other.err());

        String forged = token.substring(0, token.length() - 3) + (token.endsWith("AAA") ? "BBB" : "AAA");
        Run bad = cli("select 1;\n", "shell", url, "--token", forged);
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("refused the token"), bad.err());
    }

    @Test
    void issuingNeedsTheMasterTokenAndAValidRequest() throws Exception {
        Run noDb = cli("", "token", "create", server.url(), "--token", MASTER);
        assertEquals(2, noDb.code());
        assertTrue(noDb.err().contains("--db"), noDb.err());
        Run badExpiry = cli("", "token", "create", server.url(), "--db", "x", "--expires", "soon", "--token", MASTER);
        assertEquals(2, badExpiry.code());
        assertTrue(badExpiry.err().contains("--expires"), badExpiry.err());
        Run wrong = cli("", "token", "create", server.url(), "--db", "x", "--token", "not-the-master");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("refused the token"), wrong.err());
        Run badScope = cli("", "token", "create", server.url(), "--db", "a/b", "--token", MASTER);
        assertEquals(1, badScope.code());
        assertTrue(badScope.err().contains("pattern"), badScope.err());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofDays(30), TokenCommand.parseDuration("30d"));
        assertEquals(Duration.ofMinutes(90), TokenCommand.parseDuration("90m"));
        assertEquals(Duration.ofDays(14), TokenCommand.parseDuration("2w"));
        assertEquals(null, TokenCommand.parseDuration("0d"));
        assertEquals(null, TokenCommand.parseDuration("3 days"));
    }
}
