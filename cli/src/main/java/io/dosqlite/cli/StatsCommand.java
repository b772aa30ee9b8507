package io.dosqlite.cli;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.Transfer;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** {@code dosqlite stats URL}: what a user asks first about a database. */
final class StatsCommand {
    private StatsCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args);
        if (cl.positional.size() != 1) {
            err.println("usage: dosqlite stats URL [--token T]");
            return 2;
        }
        String url = CommandLine.jdbcUrl(cl.positional.get(0));
        // The server's own view first (info endpoint): also says clearly when the database is missing,
        // instead of creating it as a JDBC connection with create=true would.
        Transfer.DatabaseInfo info;
        java.util.Properties props = new java.util.Properties();
        try {
            RemoteConfig cfg = RemoteTarget.parse(cl.positional.get(0), cl);
            if (cfg.token() != null) {
                props.setProperty("token", cfg.token()); // the same token as the info request used
            }
            info = new Transfer(cfg).info(true);
        } catch (PageStoreException e) {
            err.println("dosqlite stats: " + CliErrors.explain(e, cl));
            return 1;
        }
        try (Connection c = DriverManager.getConnection(url, props);
             Statement s = c.createStatement()) {
            long pageSize = single(s, "PRAGMA page_size");
            long pageCount = single(s, "PRAGMA page_count");
            long tables = single(s, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
            out.printf("database    %s%n", c.unwrap(DosqliteConnection.class).databaseUrl());
            out.printf("version     %d (server; oldest readable %d)%n", info.version(), info.oldestReadableVersion());
            out.printf("page size   %d bytes%n", pageSize);
            out.printf("page count  %d%n", pageCount);
            out.printf("size        %.1f KiB%n", pageSize * pageCount / 1024.0);
            out.printf("tables      %d%n", tables);
            out.printf("client      %s%n", c.unwrap(DosqliteConnection.class).statistics());
            if (info.billing() != null) {
                // Counted by the server since the database was created (docs/cost.md prices them).
                var b = info.billing();
                out.printf("billed      %d requests, %d WebSocket messages, %d rows read, %d rows written%n",
                        b.requests(), b.webSocketMessages(), b.rowsRead(), b.rowsWritten());
                if (b.storedHistoryBytes() >= 0) {
                    out.printf("stored      %.1f KiB: pages %.1f KiB, history %.1f KiB, stages %.1f KiB; awake %.1f s%n",
                            b.storedBytes() / 1024.0, b.storedPageBytes() / 1024.0, b.storedHistoryBytes() / 1024.0,
                            b.storedStageBytes() / 1024.0, b.awakeMs() / 1000.0);
                } else {
                    out.printf("stored      %.1f KiB (pages, history, stages), awake %.1f s%n", b.storedBytes() / 1024.0,
                            b.awakeMs() / 1000.0);
                }
            }
            return 0;
        } catch (SQLException e) {
            err.println("dosqlite stats: " + CliErrors.explain(e, cl));
            return 1;
        }
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
