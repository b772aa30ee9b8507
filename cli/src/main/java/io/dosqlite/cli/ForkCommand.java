package io.dosqlite.cli;

import io.dosqlite.remote.History;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code dosqlite fork URL NEWNAME [--at TIME|VERSION] [--force]}: a new database on the same page
 * server with the content of any version in the history window, in one request and without
 * copying pages (they are shared until written). An existing NEWNAME is refused unless --force.
 */
final class ForkCommand {
    static final String USAGE = "usage: dosqlite fork URL NEWNAME [--at TIME|VERSION] [--force] [--token T]";

    private ForkCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args, Set.of("at"));
        List<String> unknown = cl.unknownOptions(Set.of("at"), Set.of("force"));
        if (cl.positional.size() != 2 || !unknown.isEmpty()) {
            err.println((unknown.isEmpty() ? "" : "dosqlite fork: unknown option " + String.join(", ", unknown) + "\n") + USAGE);
            return 2;
        }
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            History.Point at = cl.options.containsKey("at") ? History.Point.parse(cl.options.get("at")) : null;
            History.Outcome o = new History(cfg).fork(cl.positional.get(1), at, cl.flag("force"));
            out.printf("forked %s version %d as %s (%d pages, shared until written)%n", cfg.database(), o.fromVersion(),
                    o.database(), o.pageCount());
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite fork: " + CliErrors.explain(e, cl));
            return 1;
        }
    }
}
