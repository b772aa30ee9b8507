package io.dosqlite.jdbc;

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
    private volatile int networkTimeoutMillis;
    private DosqliteConnection proxy;

    private ConnectionHandler(Connection sqlite, Database database, int networkTimeoutMillis) {
        super(sqlite, null, null);
        this.sqlite = sqlite;
        this.database = database;
        this.networkTimeoutMillis = networkTimeoutMillis;
    }

    static DosqliteConnection create(Connection sqlite, Database database, int networkTimeoutMillis) {
        ConnectionHandler handler = new ConnectionHandler(sqlite, database, networkTimeoutMillis);
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
                return rollback(proxy, method, args);
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
        if (sqlite.isClosed() || !sqlite.getAutoCommit()) {
            return update.run();
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
            store.discardOptimistic();
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
