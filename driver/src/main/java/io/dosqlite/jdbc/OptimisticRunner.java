package io.dosqlite.jdbc;

import io.dosqlite.remote.OptimisticScope;
import io.dosqlite.remote.RemoteSession;
import io.dosqlite.vfs.PageStoreException;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConnection;

/**
 * Runs a connection's statements on the newest version this JVM knows, without a version check,
 * wherever the result can be proven afterwards: autocommit updates (the commit's base check proves
 * them; a stale one runs again), autocommit queries (proven before the first row is seen),
 * manual-commit transactions that begin by writing (proven by their commit) and prepares
 * (SQLite checks the schema cookie again). Whatever turns out stale runs again or fails with
 * 40001; nobody ever sees rows of a version that was not current after they asked.
 */
final class OptimisticRunner {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");

    private final SQLiteConnection sqlite;
    private final RemoteSession session;
    private final String url;
    private final boolean optimisticWrites;
    private final ConflictRetry retry;
    /** Set while the open manual-commit transaction started optimistically and is not proven fresh yet. */
    private OptimisticScope unproven;

    OptimisticRunner(SQLiteConnection sqlite, RemoteSession session, String url, boolean optimisticWrites,
                     ConflictRetry retry) {
        this.retry = retry;
        this.sqlite = sqlite;
        this.session = session;
        this.url = url;
        this.optimisticWrites = optimisticWrites;
    }

    /**
     * Waits (bounded) for the JVMs ahead of this one in the page server's queue for a page they
     * all write, if this JVM is queued: writers of one page take turns instead of colliding.
     */
    private void awaitTurn() throws SQLException {
        try {
            session.awaitTurn();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SqlState.SERIALIZATION_FAILURE.exception("Interrupted while waiting for another client's turn on"
                    + " a page both write; nothing of the statement was run. Run it again.");
        }
    }

    /** Backs off before running a statement again, unless the page server queued this JVM (it waits its turn instead). */
    private void pauseUnlessNext(int attempt) throws SQLException {
        if (!session.nextInLine()) {
            retry.pause(attempt);
        }
    }

    /** The transaction ended without effect (rolled back): nothing it read can matter now. */
    void forgetTransaction() {
        unproven = null;
    }

    /**
     * Runs an executeUpdate. In autocommit mode it runs optimistically on the newest version this
     * JVM knows, without a version check first, so a write costs one request: its commit, which the
     * server accepts only on top of the current version. A statement that turns out to have read
     * an old version (its commit was refused, or it wrote nothing and the database moved on) had no
     * effect and returns nothing to the caller but a count, so it runs again, the ordinary way.
     */
    <T> T runUpdate(JdbcObject.Call<T> update) throws SQLException {
        if (!optimisticWrites || sqlite.isClosed()) {
            return runExecute(null, update);
        }
        if (!sqlite.getAutoCommit()) {
            return startTransaction(update);
        }
        for (int attempt = 0; ; attempt++) {
            // autocommit statements only: a transaction's statements would wait while it is open,
            // and the application, which runs it again on 40001, decides its own pace (TPC-B-like
            // transfers of two JVMs ran 18% slower waiting for turns)
            awaitTurn();
            reportQueued(); // before anything else is built on a queued commit that failed
            T result = null;
            SQLException failure = null;
            boolean runAgain;
            session.beginOptimistic();
            try {
                result = update.run();
            } catch (SQLException e) {
                failure = e;
            } finally {
                PageStoreException storeFailure = null;
                runAgain = false;
                try {
                    runAgain = session.endOptimistic(); // waits for a pipelined commit's answer
                } catch (PageStoreException e) {
                    storeFailure = e;
                }
                try {
                    // always, even after a failure above: it forgets the commits it reports, so a
                    // later statement never reports an earlier statement's failure again
                    runAgain |= awaitCommits();
                    if (!session.synchronousCommit()) {
                        session.settleQueued(session.maxUnacknowledged());
                    }
                } catch (PageStoreException e) {
                    storeFailure = storeFailure == null ? e : storeFailure;
                }
                if (storeFailure != null) {
                    SQLException validation = SqlErrors.fromStore(storeFailure, 0);
                    if (failure != null) {
                        validation.addSuppressed(failure);
                    }
                    throw validation;
                }
            }
            boolean conflict = runAgain || failure != null && ConflictRetry.isSerializationFailure(failure);
            if (conflict && sqlite.getAutoCommit() && retry.mayRetry(attempt)) {
                LOG.fine("an autocommit update of " + url + " ran into another commit; running it again");
                pauseUnlessNext(attempt);
                continue;
            }
            if (runAgain) {
                SQLException e = SqlState.SERIALIZATION_FAILURE.exception("The statement ran " + (attempt + 1)
                        + " times on " + url + " and each time another client had changed what it read first;"
                        + " nothing of it was applied. Run it again later, or raise autocommitRetries (now "
                        + retry.bound() + ").");
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                throw e;
            }
            if (failure != null) {
                throw failure;
            }
            return result;
        }
    }

    /**
     * Runs a statement that is not run optimistically (execute, or any statement when
     * optimisticWrites=false). In autocommit mode, a commit refused as a serialization failure
     * applied nothing, so the statement runs again, within the autocommitRetries bound. Not a
     * COMMIT (or other transaction control) of a transaction begun in SQL: the caller retries it.
     */
    <T> T runExecute(String sql, JdbcObject.Call<T> statement) throws SQLException {
        awaitQueuedBeforeRead();
        T result = runExecuteAgainOnConflict(sql, statement);
        // synchronousCommit=false: a COMMIT in SQL of a transaction on the chain was only queued
        settleQueued(session.maxUnacknowledged());
        return result;
    }

    private <T> T runExecuteAgainOnConflict(String sql, JdbcObject.Call<T> statement) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try {
                T result = statement.run();
                try {
                    if (awaitCommits()) {
                        throw SqlState.SERIALIZATION_FAILURE.exception("A pipelined commit of this connection to " + url
                                + " was refused because another client changed what it read first; nothing of it was"
                                + " applied. Roll back and retry the transaction.");
                    }
                } catch (PageStoreException e) {
                    throw SqlErrors.fromStore(e, 0);
                }
                return result;
            } catch (SQLException e) {
                if (!ConflictRetry.isSerializationFailure(e) || sqlite.isClosed() || !sqlite.getAutoCommit()
                        || SqlText.isTransactionControl(sql) || !retry.mayRetry(attempt)) {
                    throw e;
                }
                LOG.fine("an autocommit statement of " + url + " ran into another commit; running it again");
                pauseUnlessNext(attempt);
            }
        }
    }

    /**
     * Runs an executeQuery of a SELECT in autocommit mode on the newest version this JVM knows,
     * proving that version current before any row is seen: by the answer of the first page the
     * query fetches (a cold lookup saves the version check), else by one version check after
     * SQLite computed the first row. If the version was old, the query runs again the ordinary
     * way; the caller only ever sees rows of a version that was current after it asked.
     */
    <T extends AutoCloseable> T runQuery(String sql, JdbcObject.Call<T> query) throws SQLException {
        awaitQueuedBeforeRead();
        if (sqlite.isClosed() || !sqlite.getAutoCommit() || !SqlText.isSelect(sql)) {
            return query.run();
        }
        OptimisticScope scope = session.beginOptimisticQuery();
        T result;
        try {
            result = query.run();
        } catch (SQLException e) {
            session.leaveOptimistic();
            scope.settle();
            boolean again;
            try {
                again = scope.mustRunAgain(); // the error may come from an old version (a table not there yet)
            } catch (PageStoreException check) {
                e.addSuppressed(check);
                throw e;
            }
            if (again) {
                return runQueryAgain(scope, query, e);
            }
            throw e;
        } finally {
            session.leaveOptimistic();
        }
        scope.settle();
        boolean again;
        try {
            again = scope.mustRunAgain();
        } catch (PageStoreException e) {
            closeQuietly(result);
            throw SqlErrors.fromStore(e, 0);
        }
        if (again) {
            closeQuietly(result);
            return runQueryAgain(scope, query, null);
        }
        return result;
    }

    /**
     * Runs a query that started on an old version again, the ordinary way — unless SQLite still
     * holds that version because the query ran inside a transaction begun in SQL (BEGIN without
     * setAutoCommit(false)): running it again would read the same snapshot, so that transaction
     * must be rolled back and retried, as after any serialization failure.
     */
    private <T> T runQueryAgain(OptimisticScope scope, JdbcObject.Call<T> query, SQLException cause)
            throws SQLException {
        if (scope.stillOpen()) {
            SQLException e = SqlState.SERIALIZATION_FAILURE.exception("The query started a transaction (begun in SQL)"
                    + " on version " + scope.startVersion() + " of " + url + ", and another client had committed a"
                    + " newer version first. Roll back and run the transaction again.");
            if (cause != null) {
                e.addSuppressed(cause);
            }
            throw e;
        }
        LOG.fine("a query read an old version of " + url + "; running it again");
        return query.run();
    }

    private static void closeQuietly(AutoCloseable resultSet) {
        try {
            resultSet.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing a result set of an old version failed", e);
        }
    }

    /** Runs an executeBatch: optimistically when it starts a manual-commit transaction (see startTransaction). */
    <T> T runBatch(JdbcObject.Call<T> batch) throws SQLException {
        if (!optimisticWrites || sqlite.isClosed() || sqlite.getAutoCommit()) {
            // a batch in autocommit mode commits row by row: it cannot simply run again
            awaitQueuedBeforeRead();
            return batch.run();
        }
        return startTransaction(batch);
    }

    /**
     * A manual-commit transaction whose first statement writes starts on the newest version this
     * JVM knows, without a version check, so the whole transaction costs one request: its commit,
     * which the server accepts only on top of the version the transaction read (else commit()
     * fails with 40001 and the caller runs the transaction again, as after any serialization
     * failure). A transaction that ends up writing nothing is proven fresh at commit() by one
     * version check. A statement that fails in such a transaction is proven fresh at once, so an
     * error caused by reading an old version (a constraint that no longer holds) surfaces as 40001.
     * A transaction that already holds its snapshot (it began with a read) is not affected.
     */
    private <T> T startTransaction(JdbcObject.Call<T> write) throws SQLException {
        reportQueued(); // a transaction on the chain reads the connection's queued commits
        if (unproven != null) {
            return write.run();
        }
        OptimisticScope scope = session.beginOptimistic();
        try {
            T result = write.run();
            if (scope.startedAny()) {
                unproven = scope;
            }
            return result;
        } catch (SQLException failure) {
            if (scope.startedAny()) {
                proveFresh(scope, failure);
            }
            throw failure;
        } finally {
            session.leaveOptimistic();
        }
    }

    /** Throws 40001 if the optimistic transaction of {@code scope} read a version that was not current. */
    private void proveFresh(OptimisticScope scope, SQLException cause) throws SQLException {
        boolean stale;
        try {
            stale = scope.mustRunAgain();
        } catch (PageStoreException e) {
            SQLException validation = SqlErrors.fromStore(e, 0);
            if (cause != null) {
                validation.addSuppressed(cause);
            }
            throw validation;
        }
        if (stale) {
            SQLException e = SqlState.SERIALIZATION_FAILURE.exception("The transaction started on version "
                    + scope.startVersion() + " of " + url + " without a version check (optimisticWrites=true), and"
                    + " another client had committed a newer version first: what it read may be out of date and"
                    + " nothing it did was committed. Roll back and retry the transaction.");
            if (cause != null) {
                e.addSuppressed(cause);
            }
            throw e;
        }
    }

    /**
     * With synchronousCommit=false, a statement that does not run on the commit chain (a query, an
     * execute, a transaction that began by reading) first waits until the connection's queued
     * commits are acknowledged: it reads what the connection wrote (read-your-writes), and it never
     * shows the caller a commit that could still vanish. A statement of a transaction on the chain
     * reads the chain, and its commit is built on the queued ones: it only reports failures.
     */
    private void awaitQueuedBeforeRead() throws SQLException {
        settleQueued(unproven != null ? Integer.MAX_VALUE : 0);
    }

    /** With synchronousCommit=false: reports a queued commit of this connection that failed (never runs it again). */
    private void reportQueued() throws SQLException {
        settleQueued(Integer.MAX_VALUE);
    }

    private void settleQueued(int bound) throws SQLException {
        if (session.synchronousCommit()) {
            return;
        }
        try {
            session.settleQueued(bound);
        } catch (PageStoreException e) {
            throw SqlErrors.fromStore(e, 0);
        }
    }

    /**
     * Before the connection closes: waits for its queued commits (synchronousCommit=false) and
     * reports one that failed; a commit of the JVM that never gets here (no close) may be lost.
     */
    void awaitQueuedOnClose() throws SQLException {
        settleQueued(0);
    }

    /**
     * Waits for this connection's pipelined commits: true if one was refused (nothing of it was
     * applied); throws the failure of one whose outcome is unknown.
     */
    private boolean awaitCommits() throws PageStoreException {
        if (!session.synchronousCommit()) {
            return false; // queued: a refusal is reported by a later call (settleQueued), never run again
        }
        try {
            session.awaitCommits();
            return false;
        } catch (PageStoreException e) {
            if (e.kind() == PageStoreException.Kind.CONFLICT) {
                return true;
            }
            throw e;
        }
    }

    /** COMMIT, then proof that an optimistic transaction which wrote nothing read a current version. */
    void commit(JdbcObject.Action commit) throws SQLException {
        reportQueued();
        OptimisticScope scope = unproven;
        unproven = null;
        commit.run(); // a refused commit (conflict) throws 40001 here
        try {
            if (session.synchronousCommit()) {
                session.awaitCommits(); // a pipelined commit: commit() returns once it is acknowledged
            } else {
                session.settleQueued(session.maxUnacknowledged());
            }
        } catch (PageStoreException e) {
            throw SqlErrors.fromStore(e, 0);
        }
        if (scope != null) {
            proveFresh(scope, null);
        }
    }

    /**
     * Prepares on the newest version this JVM knows, without a version check: SQLite compares the
     * schema cookie again when the statement runs, in a transaction that did check, and prepares
     * it again if the schema moved on. A prepare that fails may have seen an old schema (a table
     * another client just created), so it is tried once more the ordinary way.
     */
    <T> T prepare(JdbcObject.Call<T> prepare) throws SQLException {
        session.beginOptimistic();
        try {
            return prepare.run();
        } catch (SQLException maybeStale) {
            LOG.log(Level.FINE, "prepare on the known version failed; preparing on the current one", maybeStale);
        } finally {
            session.leaveOptimistic();
        }
        return prepare.run();
    }
}
