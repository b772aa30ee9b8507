package io.dosqlite.cli;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.vfs.PageStoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * {@code dosqlite delete URL [--force]}: deletes a database and every page of it. Asks for the
 * database's name to be typed back unless {@code --force}; with no terminal to ask on, it refuses.
 */
final class DeleteCommand {
    static final String USAGE = "usage: dosqlite delete URL [--force] [--token T]";

    private DeleteCommand() {
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args);
        if (cl.positional.size() != 1 || !cl.unknownOptions(Set.of(), Set.of("force")).isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            Transfer transfer = new Transfer(cfg);
            Transfer.DatabaseInfo info = transfer.info(); // NOT_FOUND before asking anything
            if (!cl.flag("force")) {
                err.printf("Delete database '%s' on %s (version %d, %d pages)? Every page and its history is gone."
                        + " Type its name to confirm: ", cfg.database(), cfg.baseUrl(), info.version(), info.pageCount());
                err.flush();
                String answer = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
                if (answer == null || !answer.trim().equals(cfg.database())) {
                    err.println("\ndosqlite delete: not confirmed; nothing was deleted (pass --force to skip the question)");
                    return 1;
                }
            }
            transfer.delete();
            out.println("deleted " + cfg.database() + " on " + cfg.baseUrl());
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite delete: " + CliErrors.explain(e, cl));
            return 1;
        } catch (IOException e) {
            err.println("dosqlite delete: cannot read the confirmation: " + e.getMessage());
            return 1;
        }
    }
}
