package io.dosqlite.cli;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.util.List;

/** {@code dosqlite list SERVER_URL}: the databases of a page server, one a line. */
final class ListCommand {
    static final String USAGE = "usage: dosqlite list http[s]://HOST[:PORT] [--token T]";

    private ListCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args);
        if (cl.positional.size() != 1 || cl.flag("help")) {
            err.println(USAGE);
            return cl.flag("help") ? 0 : 2;
        }
        try {
            RemoteConfig cfg = RemoteTarget.server(cl.positional.get(0), cl);
            List<Transfer.DatabaseInfo> all = new Transfer(cfg).listDatabases();
            if (all.isEmpty()) {
                err.println("no databases on " + cfg.baseUrl());
            }
            for (Transfer.DatabaseInfo d : all) {
                out.printf("%-32s version %-8d %8d pages of %5d bytes (%s)%n", d.name(), d.version(), d.pageCount(),
                        d.pageSize(), ImportCommand.size(d.pageCount() * d.pageSize()));
            }
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite list: " + CliErrors.explain(e, cl));
            return 1;
        }
    }
}
