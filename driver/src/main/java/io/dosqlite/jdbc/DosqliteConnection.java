package io.dosqlite.jdbc;

import io.dosqlite.remote.ClientStats;
import java.sql.Connection;

/**
 * What a dosqlite connection offers beyond {@link Connection}; reach it with
 * {@code connection.unwrap(DosqliteConnection.class)}, also through a pool.
 */
public interface DosqliteConnection extends Connection {

    /**
     * Counters of the page store this connection shares with every other connection to the same
     * database in this JVM: requests, bytes up and down, pages fetched, cache hits, commits,
     * conflicts.
     */
    ClientStats statistics();

    /** The page server URL and database name this connection reads and writes. */
    String databaseUrl();
}
