package io.dosqlite.cli;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.vfs.PageStoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code dosqlite import URL FILE.db [--quiet]}: replaces the database's content with a SQLite
 * file, atomically. The file is validated first (nothing is sent if it is not a SQLite database);
 * a large file is uploaded in stages of at most 32 MiB and published by one commit.
 */
final class ImportCommand {
    static final String USAGE = "usage: dosqlite import URL FILE.db [--token T] [--quiet]";

    private ImportCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args);
        List<String> unknown = cl.unknownOptions(Set.of(), Set.of("quiet"));
        if (cl.positional.size() != 2 || !unknown.isEmpty()) {
            err.println((unknown.isEmpty() ? "" : "dosqlite import: unknown option " + String.join(", ", unknown) + "\n") + USAGE);
            return 2;
        }
        Path file = Path.of(cl.positional.get(1));
        if (!Files.isRegularFile(file)) {
            err.println("dosqlite import: " + file + ": no such file");
            return 1;
        }
        Path journal = file.resolveSibling(file.getFileName() + "-journal");
        if (Files.isRegularFile(journal)) {
            err.println("dosqlite import: " + journal + " lies beside " + file + ": a transaction on it was interrupted"
                    + " (or is running). Open the file once with sqlite3 so it rolls back, then import it. Nothing was sent.");
            return 1;
        }
        ProgressBar bar = new ProgressBar(err, "import", !cl.flag("quiet"));
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            Transfer.FileInfo f = Transfer.inspect(file); // fail before any request (and before the progress bar)
            Transfer transfer = new Transfer(cfg);
            Transfer.DatabaseInfo before = null;
            try {
                before = transfer.info();
            } catch (PageStoreException e) {
                if (e.kind() != PageStoreException.Kind.NOT_FOUND) {
                    throw e;
                }
            }
            if (before != null && before.pageCount() > 0 && before.pageSize() != f.pageSize()) {
                err.println("dosqlite import: database '" + cfg.database() + "' has page size " + before.pageSize() + " but "
                        + file + " has " + f.pageSize() + "; a database's page size is fixed once it has pages: import into"
                        + " a new database name, or delete this one first. Nothing was imported.");
                return 1;
            }
            Transfer.Result r = transfer.importFrom(file, bar);
            bar.finish();
            out.printf("imported %s into %s: version %d, %d pages of %d bytes (%s)%s%n", file, cfg.database(), r.version(),
                    r.pageCount(), r.pageSize(), size(r.bytes()), r.staged() ? ", uploaded in stages" : "");
            return 0;
        } catch (PageStoreException e) {
            bar.abort();
            err.println("dosqlite import: " + CliErrors.explain(e, cl));
            return 1;
        } catch (IOException e) {
            bar.abort();
            err.println("dosqlite import: cannot read " + file + ": " + e);
            return 1;
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024L * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
