package io.dosqlite.jdbc;

import io.dosqlite.remote.ClientStats;
import io.dosqlite.remote.RemoteSession;
import io.dosqlite.remote.ScanHint;
import io.dosqlite.vfs.PageStoreException;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.sql.Wrapper;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteConnectionConfig;
import org.sqlite.SQLiteLimits;
import org.sqlite.SQLiteUpdateListener;
import org.sqlite.core.CoreDatabaseMetaData;
import org.sqlite.core.DB;

/**
 * The connection users get: sqlite-jdbc's connection, delegated to, with the parts that must
 * reach the page server done for real — {@code isValid} pings it, {@code setNetworkTimeout} bounds
 * HTTP calls, {@code abort} cancels calls in flight — errors translated, statements run
 * optimistically where that is safe ({@link OptimisticRunner}), and the shared {@link Database}
 * released on close.
 *
 * <p>It is an {@link SQLiteConnection} over the same native database handle, so code written for
 * sqlite-jdbc keeps working on it: {@code org.sqlite.Function.create}, {@code Collation.create},
 * {@code (SQLiteConnection) conn} casts. Every method delegates to the sqlite-jdbc connection; none
 * of the superclass's own state is used.
 */
final class JdbcConnection extends SQLiteConnection implements DosqliteConnection {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");

    private final SQLiteConnection inner;
    private final Database database;
    private final RemoteSession session;
    private final OptimisticRunner optimistic;
    private final ScanPlans scanPlans;
    /** Runs the connection's own calls that may do I/O (see {@link JdbcObject#io}). */
    private final JdbcObject guard = new JdbcObject(this) {
        @Override
        Wrapper wrapped() {
            return inner;
        }
    };
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile int networkTimeoutMillis;
    private JdbcDatabaseMetaData metaData;

    JdbcConnection(SQLiteConnection inner, Database database, RemoteSession session, int networkTimeoutMillis,
                   boolean optimisticWrites, int autocommitRetries) {
        super(inner.getDatabase());
        this.inner = inner;
        this.database = database;
        this.session = session;
        this.networkTimeoutMillis = networkTimeoutMillis;
        this.optimistic = new OptimisticRunner(inner, session, database.url(), optimisticWrites,
                new ConflictRetry(autocommitRetries));
        this.scanPlans = new ScanPlans(inner);
    }

    OptimisticRunner optimistic() {
        return optimistic;
    }

    /** The runner for a statement that gets no scan hint (see {@link #hintScan}). */
    OptimisticRunner unhinted() {
        session.scanHint(ScanHint.NONE);
        return optimistic;
    }

    /**
     * Before a statement runs: tells the page store whether it scans, so a cold scan's first leaf
     * starts read-ahead at once. {@code preparedSql}: the text of a prepared query (its plan is
     * asked once per connection), with its parameter count and numeric values (a range's bounds);
     * null for anything else (no hint).
     */
    void hintScan(String preparedSql, java.util.function.IntSupplier parameterCount, BoundNumbers values) {
        session.scanHint(preparedSql == null ? ScanHint.NONE : scanPlans.hint(preparedSql, parameterCount, values));
    }

    // ---- errors

    /** Before a call that may do I/O: a cause left over from an earlier, recovered failure must not be blamed on it. */
    void beforeCall() {
        session.takeError();
    }

    /**
     * After a call that succeeded: SQLite may have turned a failed page read into a result
     * (PRAGMA integrity_check reports it as "unable to get the page"); the user must get the
     * network error, not a verdict.
     */
    void afterCall() throws SQLException {
        Throwable swallowed = session.takeError();
        if (swallowed instanceof PageStoreException) {
            throw SqlErrors.fromStore((PageStoreException) swallowed, 0);
        }
    }

    /** The exception to throw for {@code e}, thrown by sqlite-jdbc for this connection. */
    SQLException failed(SQLException e) {
        SQLException translated = SqlErrors.translate(e, session.takeError());
        restoreTransaction();
        return translated;
    }

    /**
     * SQLite rolls a transaction back by itself when a statement or COMMIT fails with an I/O error
     * (a conflict, a lost connection), while sqlite-jdbc still believes a transaction is open: the
     * caller's rollback() would fail with "no transaction is active" and later statements would
     * autocommit one by one. After every error in manual-commit mode this re-opens the transaction
     * if SQLite dropped it, so the JDBC contract holds and the usual catch-rollback-retry works.
     */
    private void restoreTransaction() {
        try {
            if (inner.isClosed() || inner.getAutoCommit()) {
                return;
            }
            try (Statement s = inner.createStatement()) {
                s.execute("BEGIN");
            }
            optimistic.forgetTransaction(); // a new transaction: what the old one read is gone
        } catch (SQLException stillOpen) {
            // "cannot start a transaction within a transaction": SQLite kept it, nothing to do.
            session.takeError();
        }
    }

    // ---- statements

    @Override
    public Statement createStatement() throws SQLException {
        return new JdbcStatement(this, guard.io(() -> inner.createStatement()));
    }

    @Override
    public Statement createStatement(int a, int b) throws SQLException {
        return new JdbcStatement(this, guard.io(() -> inner.createStatement(a, b)));
    }

    @Override
    public Statement createStatement(int a, int b, int c) throws SQLException {
        return new JdbcStatement(this, guard.io(() -> inner.createStatement(a, b, c)));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int a) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql, a));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] a) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql, a));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] a) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql, a));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int a, int b) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql, a, b));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int a, int b, int c) throws SQLException {
        return prepared(sql, () -> inner.prepareStatement(sql, a, b, c));
    }

    private PreparedStatement prepared(String sql, JdbcObject.Call<PreparedStatement> prepare) throws SQLException {
        return new JdbcPreparedStatement(this, optimistic.prepare(() -> guard.io(prepare)), sql);
    }

    @Override
    public synchronized DatabaseMetaData getMetaData() throws SQLException {
        if (metaData == null) {
            metaData = new JdbcDatabaseMetaData(this, guard.io(() -> inner.getMetaData()));
        }
        return metaData;
    }

    // ---- transactions

    @Override
    public void commit() throws SQLException {
        optimistic.commit(() -> guard.run(() -> inner.commit()));
    }

    /** setAutoCommit(true) commits an open transaction, so it proves freshness as commit() does. */
    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        boolean committing = autoCommit && !inner.isClosed() && !inner.getAutoCommit();
        if (committing) {
            optimistic.commit(() -> guard.run(() -> inner.setAutoCommit(true)));
        } else {
            guard.run(() -> inner.setAutoCommit(autoCommit));
        }
    }

    /** A rollback after SQLite already rolled back (see restoreTransaction) has done its job. */
    @Override
    public void rollback() throws SQLException {
        optimistic.forgetTransaction(); // nothing the transaction read can have an effect now
        try {
            guard.run(() -> inner.rollback());
        } catch (SQLException e) {
            // failed() has re-opened the transaction already, which is the state rollback() leaves.
            if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
                throw e;
            }
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        guard.run(() -> inner.rollback(savepoint));
    }

    // ---- what must reach the page server

    @Override
    public boolean isValid(int timeoutSeconds) throws SQLException {
        if (timeoutSeconds < 0) {
            throw SqlState.INVALID_PARAMETER_VALUE.exception("isValid timeout must be >= 0 seconds, got "
                    + timeoutSeconds);
        }
        if (released.get() || inner.isClosed()) {
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

    @Override
    public void setNetworkTimeout(Executor executor, int millis) throws SQLException {
        checkOpen();
        if (millis < 0) {
            throw SqlState.INVALID_PARAMETER_VALUE.exception("Network timeout must be >= 0 milliseconds, got " + millis);
        }
        // The HTTP client is shared by every connection to this database, so the last setting wins
        // for all of them; per-connection timeouts would need per-connection clients.
        networkTimeoutMillis = millis;
        database.store().setCallTimeout(Duration.ofMillis(millis));
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        return networkTimeoutMillis;
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw SqlState.INVALID_PARAMETER_VALUE.exception("abort needs an Executor");
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

    @Override
    public void close() throws SQLException {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        SQLException queued = null;
        try {
            optimistic.awaitQueuedOnClose(); // synchronousCommit=false: close() reports what did not make it
        } catch (SQLException e) {
            queued = e;
        }
        try {
            inner.close();
        } catch (SQLException e) {
            SQLException closing = SqlErrors.translate(e, session.takeError());
            if (queued != null) {
                closing.addSuppressed(queued);
            }
            throw closing;
        } finally {
            database.release();
        }
        if (queued != null) {
            throw queued;
        }
    }

    @Override
    protected void checkOpen() throws SQLException {
        if (released.get()) {
            throw SqlState.CONNECTION_DOES_NOT_EXIST.exception("Connection is closed");
        }
    }

    // ---- dosqlite

    @Override
    public ClientStats statistics() {
        return database.store().stats();
    }

    @Override
    public String databaseUrl() {
        return database.url();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : inner.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || inner.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "DosqliteConnection[" + database.url() + (released.get() ? ", closed]" : "]");
    }

    // ---- the rest delegates

    @Override
    public void addCommitListener(SQLiteCommitListener a) {
        inner.addCommitListener(a);
    }

    @Override
    public void addUpdateListener(SQLiteUpdateListener a) {
        inner.addUpdateListener(a);
    }

    @Override
    public void beginRequest() throws SQLException {
        guard.run(() -> inner.beginRequest());
    }

    @Override
    public void clearWarnings() throws SQLException {
        guard.run(() -> inner.clearWarnings());
    }

    @Override
    public Array createArrayOf(String a, Object[] b) throws SQLException {
        return guard.io(() -> inner.createArrayOf(a, b));
    }

    @Override
    public Blob createBlob() throws SQLException {
        return guard.io(() -> inner.createBlob());
    }

    @Override
    public Clob createClob() throws SQLException {
        return guard.io(() -> inner.createClob());
    }

    @Override
    public NClob createNClob() throws SQLException {
        return guard.io(() -> inner.createNClob());
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return guard.io(() -> inner.createSQLXML());
    }

    @Override
    public Struct createStruct(String a, Object[] b) throws SQLException {
        return guard.io(() -> inner.createStruct(a, b));
    }

    @Override
    public void deserialize(String a, byte[] b) throws SQLException {
        guard.run(() -> inner.deserialize(a, b));
    }

    @Override
    public void endRequest() throws SQLException {
        guard.run(() -> inner.endRequest());
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        return guard.io(() -> inner.getAutoCommit());
    }

    @Override
    public int getBusyTimeout() {
        return inner.getBusyTimeout();
    }

    @Override
    public String getCatalog() throws SQLException {
        return guard.io(() -> inner.getCatalog());
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return guard.io(() -> inner.getClientInfo());
    }

    @Override
    public String getClientInfo(String a) throws SQLException {
        return guard.io(() -> inner.getClientInfo(a));
    }

    @Override
    public SQLiteConnectionConfig getConnectionConfig() {
        return inner.getConnectionConfig();
    }

    @Override
    public SQLiteConfig.TransactionMode getCurrentTransactionMode() {
        return inner.getCurrentTransactionMode();
    }

    @Override
    public DB getDatabase() {
        return inner.getDatabase();
    }

    @Override
    public int getHoldability() throws SQLException {
        return guard.io(() -> inner.getHoldability());
    }

    @Override
    public void getLimit(SQLiteLimits a) throws SQLException {
        guard.run(() -> inner.getLimit(a));
    }

    @Override
    public CoreDatabaseMetaData getSQLiteDatabaseMetaData() throws SQLException {
        return guard.io(() -> inner.getSQLiteDatabaseMetaData());
    }

    @Override
    public String getSchema() throws SQLException {
        return guard.io(() -> inner.getSchema());
    }

    @Override
    public int getTransactionIsolation() {
        return inner.getTransactionIsolation();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return guard.io(() -> inner.getTypeMap());
    }

    @Override
    public String getUrl() {
        return inner.getUrl();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return guard.io(() -> inner.getWarnings());
    }

    @Override
    public boolean isClosed() throws SQLException {
        return guard.io(() -> inner.isClosed());
    }

    @Override
    public boolean isFirstStatementExecuted() {
        return inner.isFirstStatementExecuted();
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return guard.io(() -> inner.isReadOnly());
    }

    @Override
    public String libversion() throws SQLException {
        return guard.io(() -> inner.libversion());
    }

    @Override
    public String nativeSQL(String a) throws SQLException {
        return guard.io(() -> inner.nativeSQL(a));
    }

    @Override
    public CallableStatement prepareCall(String a, int b, int c, int d) throws SQLException {
        return guard.io(() -> inner.prepareCall(a, b, c, d));
    }

    @Override
    public CallableStatement prepareCall(String a, int b, int c) throws SQLException {
        return guard.io(() -> inner.prepareCall(a, b, c));
    }

    @Override
    public CallableStatement prepareCall(String a) throws SQLException {
        return guard.io(() -> inner.prepareCall(a));
    }

    @Override
    public void releaseSavepoint(Savepoint a) throws SQLException {
        guard.run(() -> inner.releaseSavepoint(a));
    }

    @Override
    public void removeCommitListener(SQLiteCommitListener a) {
        inner.removeCommitListener(a);
    }

    @Override
    public void removeUpdateListener(SQLiteUpdateListener a) {
        inner.removeUpdateListener(a);
    }

    @Override
    public byte[] serialize(String a) throws SQLException {
        return guard.io(() -> inner.serialize(a));
    }

    @Override
    public void setBusyTimeout(int a) throws SQLException {
        guard.run(() -> inner.setBusyTimeout(a));
    }

    @Override
    public void setCatalog(String a) throws SQLException {
        guard.run(() -> inner.setCatalog(a));
    }

    @Override
    public void setClientInfo(String a, String b) throws SQLClientInfoException {
        inner.setClientInfo(a, b);
    }

    @Override
    public void setClientInfo(Properties a) throws SQLClientInfoException {
        inner.setClientInfo(a);
    }

    @Override
    public void setCurrentTransactionMode(SQLiteConfig.TransactionMode a) {
        inner.setCurrentTransactionMode(a);
    }

    @Override
    public void setFirstStatementExecuted(boolean a) {
        inner.setFirstStatementExecuted(a);
    }

    @Override
    public void setHoldability(int a) throws SQLException {
        guard.run(() -> inner.setHoldability(a));
    }

    @Override
    public void setLimit(SQLiteLimits a, int b) throws SQLException {
        guard.run(() -> inner.setLimit(a, b));
    }

    /**
     * A hint (JDBC): on a connection opened read-only (readOnly, asOf, asOfVersion) asking for
     * read-write changes nothing, so tools that call {@code setReadOnly(false)} when they connect
     * (sqlline) keep working; writes still fail with SQLState 25006.
     */
    @Override
    public void setReadOnly(boolean a) throws SQLException {
        guard.run(() -> {
            if (inner.isReadOnly() || !a) {
                return; // already read-only, or read-write asked of a read-write connection
            }
            inner.setReadOnly(a);
        });
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return guard.io(() -> inner.setSavepoint());
    }

    @Override
    public Savepoint setSavepoint(String a) throws SQLException {
        return guard.io(() -> inner.setSavepoint(a));
    }

    @Override
    public void setSchema(String a) throws SQLException {
        guard.run(() -> inner.setSchema(a));
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey a, int b) throws SQLException {
        return guard.io(() -> inner.setShardingKeyIfValid(a, b));
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey a, ShardingKey b, int c) throws SQLException {
        return guard.io(() -> inner.setShardingKeyIfValid(a, b, c));
    }

    @Override
    public void setShardingKey(ShardingKey a, ShardingKey b) throws SQLException {
        guard.run(() -> inner.setShardingKey(a, b));
    }

    @Override
    public void setShardingKey(ShardingKey a) throws SQLException {
        guard.run(() -> inner.setShardingKey(a));
    }

    @Override
    public void setTransactionIsolation(int a) throws SQLException {
        guard.run(() -> inner.setTransactionIsolation(a));
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> a) throws SQLException {
        guard.run(() -> inner.setTypeMap(a));
    }
}
