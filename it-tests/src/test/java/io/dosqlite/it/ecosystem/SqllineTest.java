package io.dosqlite.it.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * sqlline in a child JVM whose class path is the self-contained driver jar
 * ({@code driver/target/dosqlite-jdbc-<version>-all.jar}) and sqlline's own jars, nothing else:
 * what a user of a generic JDBC tool gets.
 */
@ExtendWith(PerRunPageServer.class)
class SqllineTest {

    /** The -all jar: -Ddosqlite.driverAllJar, else driver/target next to the page-server directory. */
    static Path driverAllJar() throws IOException {
        String prop = System.getProperty("dosqlite.driverAllJar");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        Path target = LocalPageServer.findPageServerDir().resolveSibling("driver").resolve("target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "dosqlite-jdbc-*-all.jar")) {
                for (Path p : ds) {
                    return p;
                }
            }
        }
        throw new IOException("no dosqlite-jdbc-*-all.jar in " + target + ": build the driver first (mvn -pl driver -am package)");
    }

    /** sqlline's one-jar distribution (sqlline-VERSION-jar-with-dependencies.jar), from this test's class path. */
    static List<String> sqllineJars() {
        List<String> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("sqlline-") && name.endsWith("-jar-with-dependencies.jar")) {
                jars.add(e);
            }
        }
        return jars;
    }

    /** Runs sqlline with the -all jar on {@code url} and the script's lines; its output (exit code checked). */
    static String sqlline(String url, Path dir, String... lines) throws Exception {
        Path allJar = driverAllJar();
        assertTrue(Files.isRegularFile(allJar), allJar.toString());
        List<String> sqlline = sqllineJars();
        assertEquals(1, sqlline.size(), "sqlline's jar-with-dependencies on the test class path: " + sqlline);
        List<String> cp = new ArrayList<>();
        cp.add(allJar.toString()); // first: sqlline's jar bundles an older JNA for jline
        cp.addAll(sqlline);
        Path script = Files.createTempFile(dir, "script", ".sql");
        Files.writeString(script, String.join("\n", lines) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java,
                "-Djava.io.tmpdir=" + dir, "-Dorg.jline.terminal.dumb=true",
                "-cp", String.join(File.pathSeparator, cp), "sqlline.SqlLine",
                "-d", "io.dosqlite.jdbc.DosqliteDriver", "-u", url, "-n", "", "-p", TestPageServer.TOKEN,
                // no terminal: give the table output a width; SQLite only knows SERIALIZABLE
                "--maxWidth=200", "--isolation=TRANSACTION_SERIALIZABLE", "-f", script.toString()));
        Path log = Files.createTempFile(dir, "sqlline", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null").exists() ? new File("/dev/null") : script.toFile()))
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("sqlline did not finish within 120 s; output:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "sqlline exit code; output:\n" + out);
        return out;
    }

    @Test
    void sqllineWithTheSelfContainedJarAlone(TestPageServer server, @TempDir Path dir) throws Exception {
        String url = server.freshJdbcUrl("sqlline");
        String out = sqlline(url, dir,
                "CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, color TEXT);",
                "INSERT INTO fruit(name, color) VALUES ('banana', 'yellow'), ('kiwi', 'green'), ('cherry', 'red');",
                "!tables",
                "SELECT name || '=' || color AS fc FROM fruit WHERE id = 2;",
                "SELECT count(*) AS n FROM fruit;",
                "!quit");
        assertTrue(out.matches("(?s).*\\|\\s*fruit\\s*\\|\\s*TABLE\\s*\\|.*"), "!tables lists the table:\n" + out);
        assertTrue(out.contains("kiwi=green"), "the query result:\n" + out);
        assertTrue(out.matches("(?s).*\\|\\s*3\\s*\\|.*"), "count(*) = 3:\n" + out);
        assertTrue(!out.contains("Exception") && !out.contains("Error:") && !out.contains("not supported"), "no error:\n" + out);

        // what sqlline wrote is on the page server
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT group_concat(name, ',') FROM (SELECT name FROM fruit ORDER BY id)")) {
            rs.next();
            assertEquals("banana,kiwi,cherry", rs.getString(1));
        }
    }

    /** A read of the past through a generic JDBC tool: the old rows, no error on connect, writes refused. */
    @Test
    void sqllineReadsThePastWithAsOfVersion(TestPageServer server, @TempDir Path dir) throws Exception {
        String url = server.freshJdbcUrl("sqlline-asof");
        long version;
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
            s.execute("INSERT INTO fruit(name) VALUES ('banana'), ('kiwi')");
            String db = url.substring(url.lastIndexOf('/') + 1);
            version = new io.dosqlite.remote.History(io.dosqlite.remote.RemoteConfig.builder(server.url(), db)
                    .token(TestPageServer.TOKEN).build()).log(1).currentVersion();
            s.execute("INSERT INTO fruit(name) VALUES ('cherry')");
        }
        String out = sqlline(url + "?asOfVersion=" + version, dir,
                "SELECT count(*) AS n FROM fruit;",
                "!quit");
        assertTrue(out.matches("(?s).*\\|\\s*2\\s*\\|.*"), "count(*) = 2 at version " + version + ":\n" + out);
        assertTrue(!out.contains("Exception") && !out.contains("Error:"), "no error:\n" + out);
    }
}
