package io.dosqlite.cli;

import io.dosqlite.local.LocalPageServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sqlline.SqlLine;

/**
 * {@code dosqlite shell [URL]}: sqlline on a dosqlite URL. Without a URL it starts a local page
 * server for the session (data kept in {@code DOSQLITE_DATA} or {@code ./data}) and opens
 * database {@code demo}, stopping the server when the shell exits.
 */
final class ShellCommand {
    static final String LOCAL_TOKEN = "dev-token";
    /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
    private static final java.util.logging.Logger JLINE_LOG = java.util.logging.Logger.getLogger("org.jline");

    private ShellCommand() {
    }

    static int run(String[] args, PrintStream err) throws Exception {
        CommandLine cl = CommandLine.parse(args);
        if (cl.positional.size() > 1) {
            err.println("usage: dosqlite shell [URL] [--token T]");
            return 2;
        }
        if (!cl.positional.isEmpty()) {
            return sqlline(CommandLine.jdbcUrl(cl.positional.get(0)), cl.token);
        }
        String data = System.getenv("DOSQLITE_DATA");
        Path dataDir = Path.of(data != null ? data : "data").toAbsolutePath();
        Files.createDirectories(dataDir);
        String token = cl.token != null ? cl.token : LOCAL_TOKEN;
        err.println("Starting a local page server (data in " + dataDir + ") ...");
        try (LocalPageServer server = LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, token, 0)) {
            String url = "jdbc:dosqlite:" + server.url() + "/demo";
            err.println("Page server at " + server.url() + "; opening " + url);
            return sqlline(url, token);
        }
    }

    private static int sqlline(String url, String token) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "-d", "io.dosqlite.jdbc.DosqliteDriver", "-u", url, "-n", "", "-p", token == null ? "" : token,
                // sqlline asks for REPEATABLE_READ by default, which SQLite refuses with a warning
                "--isolation=TRANSACTION_SERIALIZABLE"));
        if (System.console() == null) {
            // input or output is not a terminal (a pipe, a script): jline falls back to a dumb
            // terminal of width 0, which would squeeze table output to nothing
            args.add("--maxWidth=200");
            JLINE_LOG.setLevel(java.util.logging.Level.SEVERE);
        }
        SqlLine.Status status = SqlLine.start(args.toArray(new String[0]), null, true);
        return status == SqlLine.Status.OK ? 0 : 1;
    }
}
