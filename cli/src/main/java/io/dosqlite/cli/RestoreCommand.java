package io.dosqlite.cli;

import io.dosqlite.remote.History;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code dosqlite restore URL --at TIME|VERSION [--to NEWNAME [--force]]}: makes an old version
 * the database's current content as one new commit; the versions in between stay in the history
 * (so a restore can itself be undone). With --to, the old version becomes a new database instead
 * (a fork), and an existing NEWNAME is refused unless --force.
 */
final class RestoreCommand {
    static final String USAGE = "usage: dosqlite restore URL --at TIME|VERSION [--to NEWNAME [--force]] [--token T]";

    private RestoreCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args, Set.of("at", "to"));
        List<String> unknown = cl.unknownOptions(Set.of("at", "to"), Set.of("force"));
        if (cl.positional.size() != 1 || !unknown.isEmpty() || !cl.options.containsKey("at")) {
            err.println((unknown.isEmpty() ? "" : "dosqlite restore: unknown option " + String.join(", ", unknown) + "\n") + USAGE);
            return 2;
        }
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            History.Point at = History.Point.parse(cl.options.get("at"));
            History h = new History(cfg);
            String to = cl.options.get("to");
            if (to != null) {
                History.Outcome o = h.fork(to, at, cl.flag("force"));
                out.printf("restored %s version %d as the new database %s (%d pages)%n", cfg.database(), o.fromVersion(), to,
                        o.pageCount());
                return 0;
            }
            History.Outcome o = h.restore(at);
            out.printf("restored %s to version %d as version %d (%d pages); the versions in between stay in its history%n",
                    cfg.database(), o.fromVersion(), o.version(), o.pageCount());
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite restore: " + CliErrors.explain(e, cl));
            return 1;
        }
    }
}
