package io.dosqlite.jdbc;

import io.dosqlite.remote.OptimisticScope;
import io.dosqlite.remote.RemotePageStore;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.VfsErrors;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connection users get: sqlite-jdbc's connection with the parts that must reach the page
 * server done for real — {@code isValid} pings it, {@code setNetworkTimeout} bounds HTTP calls,
 * {@code abort} cancels calls in flight — and the shared {@link Database} released on close.
 */
final class ConnectionHandler extends JdbcProxy {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");

    private final Connection sqlite;
    private final Database database;
    private final AtomicBoolean released = new AtomicBoolean();
    private final boolean optimisticWrites;
    private volatile int networkTimeoutMillis;
    /** Set while the open manual-commit transaction started optimistically and is not proven fresh yet. */
    private OptimisticScope unproven;
    private DosqliteConnection proxy;

    private ConnectionHandler(Connection sqlite, Database database, int networkTimeoutMillis, boolean optimisticWrites) {
        super(sqlite, null, null, null);
        this.sqlite = sqlite;
        this.database = database;
        this.networkTimeoutMillis = networkTimeoutMillis;
        this.optimisticWrites = optimisticWrites;
    }

    static DosqliteConnection create(Connection sqlite, Database database, int networkTimeoutMillis,
                                     boolean optimisticWrites) {
        ConnectionHandler handler = new ConnectionHandler(sqlite, database, networkTimeoutMillis, optimisticWrites);
        handler.proxy = (DosqliteConnection) Proxy.newProxyInstance(ConnectionHandler.class.getClassLoader(),
                new Class<?>[] {DosqliteConnection.class}, handler);
        return handler.proxy;
    }

    DosqliteConnection proxy() {
        return proxy;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "statistics":
                return database.store().stats();
            case "databaseUrl":
                return database.url();
            case "close":
                close();
                return null;
            case "isValid":
                return isValid((Integer) args[0]);
            case "setNetworkTimeout":
                setNetworkTimeout((Integer) args[1]);
                return null;
            case "getNetworkTimeout":
                checkOpen();
                return networkTimeoutMillis;
            case "rollback":
                if (args == null) {
                    unproven = null; // nothing the transaction read can have an effect now
                }
                return rollback(proxy, method, args);
            case "commit":
                return commit(proxy, method, args);
            case "setAutoCommit":
                return setAutoCommit(proxy, method, args);
            case "prepareStatement":
            case "prepareCall":
                return prepare(proxy, method, args);
            case "abort":
                abort((Executor) args[0]);
                return null;
            case "unwrap":
                return ((Class<?>) args[0]).isInstance(proxy) ? proxy : sqlite.unwrap((Class<?>) args[0]);
            case "isWrapperFor":
                return ((Class<?>) args[0]).isInstance(proxy) || sqlite.isWrapperFor((Class<?>) args[0]);
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "DosqliteConnection[" + database.url() + (released.get() ? ", closed]" : "]");
            default:
                return call(proxy, method, args);
        }
    }

    /**
     * SQLite rolls a transaction back by itself when a statement or COMMIT fails with an I/O error
     * (a conflict, a lost connection), while sqlite-jdbc still believes a transaction is open: the
     * caller's rollback() would fail with "no transaction is active" and later statements would
     * autocommit one by one. After every error in manual-commit mode this re-opens the transaction
     * if SQLite dropped it, so the JDBC contract holds and the usual catch-rollback-retry works.
     */
    void restoreTransaction() {
        try {
            if (sqlite.isClosed() || sqlite.getAutoCommit()) {
                return;
            }
            try (Statement s = sqlite.createStatement()) {
                s.execute("BEGIN");
            }
            unproven = null; // a new transaction: what the old one read is gone
        } catch (SQLException stillOpen) {
            // "cannot start a transaction within a transaction": SQLite kept it, nothing to do.
            VfsErrors.takeLast();
        }
    }

    /** A JDBC call that may throw anything a proxied method throws. */
    interface Call {
        Object run() throws Throwable;
    }

    /**
     * Runs an executeUpdate. In autocommit mode it runs optimistically on the newest version this
     * JVM knows, without a version check first, so a write costs one request: its commit, which the
     * server accepts only on top of the current version. A statement that turns out to have read
     * an old version (its commit was refused, or it wrote nothing and the database moved on) had no
     * effect and returns nothing to the caller but a count, so it runs again, the ordinary way.
     */
    Object runUpdate(Call update) throws Throwable {
        if (!optimisticWrites || sqlite.isClosed()) {
            return update.run();
        }
        if (!sqlite.getAutoCommit()) {
            return startTransaction(update);
        }
        RemotePageStore store = database.store();
        Object result = null;
        Throwable failure = null;
        boolean runAgain;
        store.beginOptimistic();
        try {
            result = update.run();
        } catch (Throwable t) {
            failure = t;
        } finally {
            try {
                runAgain = store.endOptimistic();
            } catch (PageStoreException e) {
                SQLException validation = SqlErrors.fromStore(e, 0);
                if (failure != null) {
                    validation.addSuppressed(failure);
                }
                throw validation;
            }
        }
        if (runAgain) {
            LOG.fine("an optimistic update read an old version of " + database.url() + "; running it again");
            return update.run();
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /**
     * Runs an executeQuery of a SELECT in autocommit mode on the newest version this JVM knows,
     * proving that version current before any row is seen: by the answer of the first page the
     * query fetches (a cold lookup saves the version check), else by one version check after
     * SQLite computed the first row. If the version was old, the query runs again the ordinary
     * way; the caller only ever sees rows of a version that was current after it asked.
     */
    Object runQuery(String sql, Call query) throws Throwable {
        if (sqlite.isClosed() || !sqlite.getAutoCommit() || !SqlText.isSelect(sql)) {
            return query.run();
        }
        RemotePageStore store = database.store();
        OptimisticScope scope = store.beginOptimisticQuery();
        Object result;
        try {
            result = query.run();
        } catch (SQLException e) {
            store.leaveOptimistic();
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
            store.leaveOptimistic();
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
    private Object runQueryAgain(OptimisticScope scope, Call query, SQLException cause) throws Throwable {
        if (scope.stillOpen()) {
            SQLException e = new SQLException("The query started a transaction (begun in SQL) on version "
                    + scope.startVersion() + " of " + database.url() + ", and another client had committed a newer"
                    + " version first. Roll back and run the transaction again.", "40001");
            if (cause != null) {
                e.addSuppressed(cause);
            }
            throw e;
        }
        LOG.fine("a query read an old version of " + database.url() + "; running it again");
        return query.run();
    }

    private static void closeQuietly(Object resultSet) {
        if (resultSet instanceof AutoCloseable) {
            try {
                ((AutoCloseable) resultSet).close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "closing a result set of an old version failed", e);
            }
        }
    }

    /** Runs an executeBatch: optimistically when it starts a manual-commit transaction (see startTransaction). */
    Object runBatch(Call batch) throws Throwable {
        if (!optimisticWrites || sqlite.isClosed() || sqlite.getAutoCommit()) {
            // a batch in autocommit mode commits row by row: it cannot simply run again
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
    private Object startTransaction(Call write) throws Throwable {
        if (unproven != null) {
            return write.run();
        }
        RemotePageStore store = database.store();
        OptimisticScope scope = store.beginOptimistic();
        try {
            Object result = write.run();
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
            store.leaveOptimistic();
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
            SQLException e = new SQLException("The transaction started on version " + scope.startVersion() + " of "
                    + database.url() + " without a version check (optimisticWrites=true), and another client had"
                    + " committed a newer version first: what it read may be out of date and nothing it did was"
                    + " committed. Roll back and run the transaction again.", "40001");
            if (cause != null) {
                e.addSuppressed(cause);
            }
            throw e;
        }
    }

    /** COMMIT, then proof that an optimistic transaction which wrote nothing read a current version. */
    private Object commit(Object proxy, Method method, Object[] args) throws Throwable {
        OptimisticScope scope = unproven;
        unproven = null;
        Object result = call(proxy, method, args); // a refused commit (conflict) throws 40001 here
        if (scope != null) {
            proveFresh(scope, null);
        }
        return result;
    }

    /** setAutoCommit(true) commits an open transaction, so it proves freshness as commit() does. */
    private Object setAutoCommit(Object proxy, Method method, Object[] args) throws Throwable {
        boolean committing = (Boolean) args[0] && !sqlite.isClosed() && !sqlite.getAutoCommit();
        if (!committing) {
            return call(proxy, method, args);
        }
        return commit(proxy, method, args);
    }

    /**
     * Prepares on the newest version this JVM knows, without a version check: SQLite compares the
     * schema cookie again when the statement runs, in a transaction that did check, and prepares
     * it again if the schema moved on. A prepare that fails may have seen an old schema (a table
     * another client just created), so it is tried once more the ordinary way.
     */
    private Object prepare(Object proxy, Method method, Object[] args) throws Throwable {
        RemotePageStore store = database.store();
        store.beginOptimistic();
        try {
            return call(proxy, method, args);
        } catch (SQLException maybeStale) {
            LOG.log(Level.FINE, "prepare on the known version failed; preparing on the current one", maybeStale);
        } finally {
            store.leaveOptimistic();
        }
        return call(proxy, method, args);
    }

    /** A rollback after SQLite already rolled back (see restoreTransaction) has done its job. */
    private Object rollback(Object proxy, Method method, Object[] args) throws Throwable {
        try {
            return call(proxy, method, args);
        } catch (SQLException e) {
            // call() has re-opened the transaction already, which is the state rollback() leaves.
            if (args == null && String.valueOf(e.getMessage()).contains("no transaction is active")) {
                return null;
            }
            throw e;
        }
    }

    private boolean isValid(int timeoutSeconds) throws SQLException {
        if (timeoutSeconds < 0) {
            throw new SQLException("isValid timeout must be >= 0 seconds, got " + timeoutSeconds, "22023");
        }
        if (released.get() || sqlite.isClosed()) {
            return false;
        }
        try {
            database.store().ping(timeoutSeconds == 0 ? Duration.ofMillis(networkTimeoutMillis)
                    : Duration.ofSeconds(timeoutSeconds));
            return true;
        } catch (Exception e) {
            LOG.log(Level.FINE, "isValid failed for " + database.url(), e);
            return false;
        }
    }

    private void setNetworkTimeout(int millis) throws SQLException {
        checkOpen();
        if (millis < 0) {
            throw new SQLException("Network timeout must be >= 0 milliseconds, got " + millis, "22023");
        }
        // The HTTP client is shared by every connection to this database, so the last setting wins
        // for all of them; per-connection timeouts would need per-connection clients.
        networkTimeoutMillis = millis;
        database.store().setCallTimeout(Duration.ofMillis(millis));
    }

    private void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("abort needs an Executor", "22023");
        }
        if (released.get()) {
            return;
        }
        database.store().cancelInFlight();
        executor.execute(() -> {
            try {
                close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "close after abort failed", e);
            }
        });
    }

    private void close() throws SQLException {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        try {
            sqlite.close();
        } catch (SQLException e) {
            throw SqlErrors.translate(e);
        } finally {
            database.release();
        }
    }

    private void checkOpen() throws SQLException {
        if (released.get()) {
            throw new SQLException("Connection is closed", "08003");
        }
    }
}
