package io.dosqlite.cli;

import java.io.PrintStream;
import java.util.Arrays;

/** Entry point of {@code ./dosqlite}: dispatches to one command per class. */
public final class Main {
    private Main() {
    }

    static final String USAGE = String.join("\n",
            "usage: dosqlite <command> [arguments]",
            "",
            "  serve [--port N] [--data DIR] [--token T] [--retention 7d]",
            "                                              run a local page server (workerd)",
            "  shell [URL]                                 SQL shell (sqlline); without URL: a local page",
            "                                              server is started and database 'demo' opened",
            "  stats URL                                   database size, version, page count",
            "  list SERVER_URL                             the databases of a page server",
            "  delete URL [--force]                        delete a database (asks first unless --force)",
            "  import URL FILE.db                          replace the database with a SQLite file (atomic)",
            "  export URL FILE.db [--at V] [--force]       write a consistent snapshot to a SQLite file",
            "  token create [SERVER_URL] --db PATTERN [--read-only] [--expires 30d]",
            "                                              a scoped token (asks the server, master token)",
            "  log URL [--limit N]                         versions kept (history window) with times and sizes",
            "  fork URL NEWNAME [--at TIME|VERSION] [--force]",
            "                                              a new database from a version, pages shared",
            "  restore URL --at TIME|VERSION [--to NEWNAME [--force]]",
            "                                              make an old version current (a new commit)",
            "  test                                        run every test (page server and Java)",
            "",
            "URL: jdbc:dosqlite:http://127.0.0.1:8787/mydb (the jdbc:dosqlite: prefix may be left out).",
            "The token comes from --token or the DOSQLITE_TOKEN environment variable; for a server on this",
            "machine, the development token 'dev-token' (what serve uses without --token) when neither is set.");

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "shell":
                return ShellCommand.run(rest, System.in, err);
            case "list":
                return ListCommand.run(rest, out, err);
            case "delete":
                return DeleteCommand.run(rest, System.in, out, err);
            case "stats":
                return StatsCommand.run(rest, out, err);
            case "import":
                return ImportCommand.run(rest, out, err);
            case "export":
                return ExportCommand.run(rest, out, err);
            case "token":
                return TokenCommand.run(rest, out, err);
            case "log":
                return LogCommand.run(rest, out, err);
            case "fork":
                return ForkCommand.run(rest, out, err);
            case "restore":
                return RestoreCommand.run(rest, out, err);
            default:
                err.println("dosqlite: unknown command '" + args[0] + "'\n\n" + USAGE);
                return 2;
        }
    }
}
