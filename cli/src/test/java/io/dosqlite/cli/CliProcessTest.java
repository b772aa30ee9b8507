package io.dosqlite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a user of {@code ./dosqlite} sees: the CLI run as a process, its exit codes and messages. */
class CliProcessTest {
    private static final String TOKEN = TestPageServer.TOKEN;
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    record Run(int code, String out, String err) {
    }

    /** Runs {@code dosqlite ARGS} in a new JVM with {@code stdin} as its input, under umask 022. */
    static Run cli(String stdin, String... args) throws Exception {
        return cli(null, stdin, args);
    }

    /** The same with DOSQLITE_DATA set (null: unset). */
    static Run cli(Path dataDir, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Ddosqlite.pageServerDir=" + LocalPageServer.findPageServerDir(), "io.dosqlite.cli.Main"));
        cmd.addAll(List.of(args));
        StringBuilder sh = new StringBuilder("umask 022; exec");
        for (String c : cmd) {
            sh.append(" '").append(c.replace("'", "'\\''")).append("'");
        }
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", sh.toString());
        pb.environment().remove("DOSQLITE_TOKEN");
        if (dataDir != null) {
            pb.environment().put("DOSQLITE_DATA", dataDir.toString());
        }
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        // read both streams fully before waiting, so a full pipe never blocks the child
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI did not exit");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static String db() {
        return server.url() + "/proc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aWrongTokenOrAnUnreachableServerIsOneLineAndExitCode1() throws Exception {
        Run wrong = cli("", "shell", db(), "--token", "wrong");
        assertEquals(1, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--token") && wrong.err().contains("DOSQLITE_TOKEN"), wrong.err());
        assertFalse(wrong.err().contains("\tat "), "no stack trace: " + wrong.err());
        assertFalse(wrong.out().contains("sqlline"), "no shell was started: " + wrong.out());

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Run down = cli("", "shell", "http://127.0.0.1:" + closedPort + "/db", "--token", TOKEN);
        assertEquals(1, down.code(), down.err());
        assertTrue(down.err().contains("cannot reach page server"), down.err());
        assertFalse(down.err().contains("\tat "), "no stack trace: " + down.err());

        Run stats = cli("", "stats", db());
        assertEquals(1, stats.code());
        assertTrue(stats.err().contains("--token") && stats.err().contains("dev-token"),
                "no token given: the message says which was tried and how to give one: " + stats.err());
    }

    @Test
    void aPipedScriptStopsAtItsFirstErrorWithANonZeroExit() throws Exception {
        String url = db();
        Run ok = cli("create table t(x);\ninsert into t values (7);\nselect x * 6 from t;\n", "shell", url, "--token", TOKEN);
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("42"), ok.out());
        assertTrue(ok.err().contains("does not exist yet: creating it"), "a new database is announced: " + ok.err());

        Run bad = cli("select 1;\nselect * from no_such_table;\ninsert into t values (8);\n", "shell", url, "--token", TOKEN);
        assertNotEquals(0, bad.code(), bad.out() + bad.err());
        assertTrue((bad.out() + bad.err()).contains("no such table"), bad.out() + bad.err());
        Run count = cli("select count(*) from t;\n", "shell", url, "--token", TOKEN);
        assertTrue(count.out().contains("| 1 "), "the statement after the error did not run: " + count.out());
    }

    @Test
    void aShellWithoutUrlUsesTheServerAlreadyRunningOnItsDataDirectory() throws Exception {
        Run r = cli(server.dataDir(), "select 6 * 7;\n", "shell", "--token", TOKEN);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("already running on " + server.dataDir() + " at " + server.url()), r.err());
        assertTrue(r.out().contains("42"), r.out());
    }

    @Test
    void helpPrintsUsageInsteadOfOpeningAShell() throws Exception {
        Run help = cli("", "shell", "--help");
        assertEquals(0, help.code());
        assertTrue(help.err().contains("usage: dosqlite shell"), help.err());
    }

    @Test
    void listAndDeleteWithConfirmation(@TempDir Path dir) throws Exception {
        String url = db();
        String name = url.substring(url.lastIndexOf('/') + 1);
        assertEquals(0, cli("create table t(x);\n", "shell", url, "--token", TOKEN).code());
        Run list = cli("", "list", server.url(), "--token", TOKEN);
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains(name), list.out());

        Run unconfirmed = cli("something else\n", "delete", url, "--token", TOKEN);
        assertEquals(1, unconfirmed.code());
        assertTrue(unconfirmed.err().contains("nothing was deleted"), unconfirmed.err());
        assertTrue(cli("", "list", server.url(), "--token", TOKEN).out().contains(name), "still there");

        Run confirmed = cli(name + "\n", "delete", url, "--token", TOKEN);
        assertEquals(0, confirmed.code(), confirmed.err());
        assertFalse(cli("", "list", server.url(), "--token", TOKEN).out().contains(name), "gone");

        Run missing = cli("", "export", url, dir.resolve("x.db").toString(), "--token", TOKEN);
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("does not exist") && !missing.err().contains("createIfMissing"), missing.err());
    }

    @Test
    void exportedFilesGetTheUsersUsualPermissionsAndAWrongPathIsNamed(@TempDir Path dir) throws Exception {
        String url = db();
        assertEquals(0, cli("create table t(x);\ninsert into t values (1);\n", "shell", url, "--token", TOKEN).code());
        Path file = dir.resolve("out.db");
        Run export = cli("", "export", url, file.toString(), "--token", TOKEN, "--quiet");
        assertEquals(0, export.code(), export.err());
        assertTrue(Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ),
                "umask 022 gives rw-r--r--: " + Files.getPosixFilePermissions(file));

        Run wrongPath = cli("", "export", server.url() + "/extra/segment", dir.resolve("w.db").toString(), "--token", TOKEN);
        assertEquals(1, wrongPath.code());
        assertTrue(wrongPath.err().contains("check the URL's path"), wrongPath.err());
        assertFalse(wrongPath.err().contains("pages/s"), "no progress bar for a URL that is wrong: " + wrongPath.err());
    }
}
