package io.dosqlite.cli;

import io.dosqlite.remote.History;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code dosqlite log URL [--limit N]}: the versions the page server keeps of a database, newest
 * first, with their commit times, sizes and page counts, and the history window that bounds them.
 */
final class LogCommand {
    static final String USAGE = "usage: dosqlite log URL [--limit N] [--token T]";

    private LogCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args, Set.of("limit"));
        List<String> unknown = cl.unknownOptions(Set.of("limit"), Set.of());
        if (cl.positional.size() != 1 || !unknown.isEmpty()) {
            err.println((unknown.isEmpty() ? "" : "dosqlite log: unknown option " + String.join(", ", unknown) + "\n") + USAGE);
            return 2;
        }
        int limit;
        try {
            limit = Integer.parseInt(cl.options.getOrDefault("limit", "50"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1) {
            err.println("dosqlite log: --limit needs a whole number >= 1");
            return 2;
        }
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            History.Log log = new History(cfg).log(limit);
            out.printf("%s: version %d; history kept %s back (%s of old pages at most); oldest readable version %d%s%n",
                    log.name(), log.currentVersion(), duration(log.retentionMs()), ImportCommand.size(log.retentionBytes()),
                    log.oldestReadableVersion(), log.oldestReadableTime() == null ? "" : " (" + log.oldestReadableTime() + ")");
            out.printf("%10s  %-24s  %10s  %10s  %s%n", "VERSION", "TIME", "PAGES", "SIZE", "PAGES WRITTEN");
            for (History.Version v : log.versions()) {
                out.printf("%10d  %-24s  %10d  %10s  %d%n", v.version(), v.time(), v.pageCount(), ImportCommand.size(v.bytes()),
                        v.pagesWritten());
            }
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite log: " + CliErrors.explain(e, cl));
            return 1;
        }
    }

    static String duration(long ms) {
        Duration d = Duration.ofMillis(ms);
        if (ms % 86_400_000L == 0 && ms > 0) {
            return d.toDays() + "d";
        }
        if (ms % 3_600_000L == 0 && ms > 0) {
            return d.toHours() + "h";
        }
        if (ms % 60_000L == 0 && ms > 0) {
            return d.toMinutes() + "m";
        }
        return ms + "ms";
    }
}
