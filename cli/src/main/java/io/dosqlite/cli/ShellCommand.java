package io.dosqlite.cli;

import io.dosqlite.local.LocalPageServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import sqlline.SqlLine;

/**
 * {@code dosqlite shell [URL]}: sqlline on a dosqlite URL. Without a URL it uses the local page
 * server of the data directory ({@code DOSQLITE_DATA} or {@code ./data}): the one already running
 * there, else one it starts for the session (on port 8787 when free) and stops when the shell exits;
 * it opens database {@code demo} and says how to reach it from other programs meanwhile.
 */
final class ShellCommand {
    static final String USAGE = String.join("\n",
            "usage: dosqlite shell [URL] [--token T]",
            "  without URL: database 'demo' of the local page server of ./data (or $DOSQLITE_DATA)",
            "  SQL from a pipe or file (dosqlite shell URL < script.sql) runs as a script: exit code 1 on the first error");
    static final int LOCAL_PORT = 8787;
    /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
    private static final java.util.logging.Logger JLINE_LOG = java.util.logging.Logger.getLogger("org.jline");

    private ShellCommand() {
    }

    static int run(String[] args, InputStream in, PrintStream err) throws Exception {
        CommandLine cl = CommandLine.parse(args);
        boolean help = cl.flag("help") || cl.positional.contains("-h");
        if (help || cl.positional.size() > 1 || !cl.unknownOptions(Set.of(), Set.of("help")).isEmpty()) {
            err.println(USAGE);
            return help ? 0 : 2;
        }
        if (!cl.positional.isEmpty()) {
            String url = CommandLine.jdbcUrl(cl.positional.get(0));
            return open(url, cl.tokenFor(url), cl, in, err);
        }
        String data = System.getenv("DOSQLITE_DATA");
        Path dataDir = Path.of(data != null ? data : "data").toAbsolutePath();
        Files.createDirectories(dataDir);
        String token = cl.token != null ? cl.token : CommandLine.DEV_TOKEN;
        String running = LocalServerLock.runningServer(dataDir);
        if (running != null) {
            err.println("Using the page server already running on " + dataDir + " at " + running);
            return open("jdbc:dosqlite:" + running + "/demo", token, cl, in, err);
        }
        int port = portFree(LOCAL_PORT) ? LOCAL_PORT : 0;
        err.println("Starting a local page server (data in " + dataDir + ") ...");
        try (LocalPageServer server = LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, token, port)) {
            String url = "jdbc:dosqlite:" + server.url() + "/demo";
            err.println("Page server at " + server.url() + " (token " + token + "). While this shell runs, other"
                    + " programs reach this database with " + url + " and that token.");
            return open(url, token, cl, in, err);
        }
    }

    /**
     * Opens {@code url} once before sqlline does, so a wrong token or an unreachable server is one
     * line that says what to do and a non-zero exit, not a stack trace followed by a bare prompt;
     * and so a database that does not exist yet is created with a word, not silently.
     */
    private static int open(String url, String token, CommandLine cl, InputStream in, PrintStream err)
            throws Exception {
        Properties p = new Properties();
        if (token != null) {
            p.setProperty("token", token);
        }
        p.setProperty("create", "false");
        try (Connection c = DriverManager.getConnection(url, p)) {
            // reachable, token accepted, database exists
        } catch (SQLException e) {
            if (!"08004".equals(e.getSQLState())) {
                err.println("dosqlite shell: " + CliErrors.explain(e, cl));
                return 1;
            }
            err.println("Database " + url.substring(url.lastIndexOf('/') + 1) + " does not exist yet: creating it.");
        }
        return sqlline(url, token, in);
    }

    private static int sqlline(String url, String token, InputStream in) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "-d", "io.dosqlite.jdbc.DosqliteDriver", "-u", url, "-n", "", "-p", token == null ? "" : token,
                // sqlline asks for REPEATABLE_READ by default, which SQLite refuses with a warning
                "--isolation=TRANSACTION_SERIALIZABLE"));
        Path script = null;
        if (System.console() == null) {
            // input or output is not a terminal (a pipe, a script): jline falls back to a dumb
            // terminal of width 0, which would squeeze table output to nothing
            args.add("--maxWidth=200");
            JLINE_LOG.setLevel(java.util.logging.Level.SEVERE);
            if (in != null && !isTerminalInput()) {
                // a script (sqlline -f): it stops at the first error, as sqlite3 -bail does, and says
                // so in its status, where lines fed to the prompt would all run and exit 0
                script = Files.createTempFile("dosqlite-shell-", ".sql");
                Files.write(script, in.readAllBytes());
                args.add("--force=false");
                args.add("-f");
                args.add(script.toString());
            }
        }
        try {
            SqlLine.Status status = SqlLine.start(args.toArray(new String[0]), null, false);
            return status == SqlLine.Status.OK ? 0 : 1;
        } finally {
            if (script != null) {
                Files.deleteIfExists(script);
            }
        }
    }

    /** Whether standard input is a terminal (no console means only that one of stdin/stdout is not). */
    private static boolean isTerminalInput() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false; // not Linux: treat a non-console session as a script
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
