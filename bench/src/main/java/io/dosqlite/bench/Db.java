package io.dosqlite.bench;

import java.util.List;

/** One system under test, as the workloads see it. Methods throw unchecked on failure. */
interface Db extends AutoCloseable {

    /** A statement with its parameters. */
    record Stmt(String sql, Object... params) {
    }

    /** Runs one statement on its own (autocommit); answers its rows (empty for DML/DDL). */
    List<Object[]> exec(String sql, Object... params);

    /** Runs the statements as one atomic transaction; answers the rows of each. */
    List<List<Object[]>> txn(List<Stmt> stmts);

    /** Inserts rows with one parameterised INSERT, all in one transaction. */
    void bulk(String insertSql, List<Object[]> rows);

    /** Starts a read transaction in which later {@link #query} calls run ({@link #endRead} ends it). */
    void beginRead();

    /** A statement in the current read transaction (or on its own if there is none). */
    List<Object[]> query(String sql, Object... params);

    void endRead();

    /** Drops the client state (connection, caches) and connects again: the next statement starts cold. */
    void reopen();

    /** Requests counted by the client (HTTP requests), or -1 when the client cannot count them. */
    long requests();

    /**
     * Bytes the client fetched by read-ahead that SQLite has not read, over the client's life
     * (dosqlite's {@code ClientStats#wastedReadAheadBytes}), or -1 when the client does not read ahead.
     */
    default long wastedReadAheadBytes() {
        return -1;
    }

    @Override
    void close();
}
