package io.dosqlite.cli;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.vfs.PageStoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code dosqlite export URL FILE.db [--at VERSION] [--force] [--quiet]}: writes a consistent
 * snapshot of the database to a SQLite file, streamed to disk (a temporary file next to FILE
 * that replaces it only when complete).
 */
final class ExportCommand {
    static final String USAGE = "usage: dosqlite export URL FILE.db [--token T] [--at VERSION] [--force] [--quiet]";

    private ExportCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args, Set.of("at"));
        List<String> unknown = cl.unknownOptions(Set.of("at"), Set.of("force", "quiet"));
        if (cl.positional.size() != 2 || !unknown.isEmpty()) {
            err.println((unknown.isEmpty() ? "" : "dosqlite export: unknown option " + String.join(", ", unknown) + "\n") + USAGE);
            return 2;
        }
        Path file = Path.of(cl.positional.get(1));
        long at = -1;
        if (cl.options.containsKey("at")) {
            try {
                at = Long.parseLong(cl.options.get("at"));
            } catch (NumberFormatException e) {
                at = -2;
            }
            if (at < 0) {
                err.println("dosqlite export: --at needs a database version (a whole number >= 0)");
                return 2;
            }
        }
        if (Files.exists(file) && !cl.flag("force")) {
            err.println("dosqlite export: " + file + " exists; pass --force to replace it");
            return 1;
        }
        if (Files.isDirectory(file)) {
            err.println("dosqlite export: " + file + " is a directory; give a file name such as mydb.db");
            return 2;
        }
        ProgressBar bar = new ProgressBar(err, "export", !cl.flag("quiet"));
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            Transfer.Result r = new Transfer(cfg).exportTo(file, at, bar);
            bar.finish();
            out.printf("exported %s version %d: %d pages of %d bytes (%s) to %s%n", cfg.database(), r.version(),
                    r.pageCount(), r.pageSize(), ImportCommand.size(r.bytes()), file);
            return 0;
        } catch (PageStoreException e) {
            bar.abort();
            err.println("dosqlite export: " + CliErrors.explain(e, cl));
            return 1;
        } catch (IOException e) {
            bar.abort();
            err.println("dosqlite export: cannot write " + file + ": " + e);
            return 1;
        }
    }
}
