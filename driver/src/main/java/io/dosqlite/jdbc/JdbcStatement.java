package io.dosqlite.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Wrapper;
import java.sql.SQLWarning;
import java.sql.Statement;

/**
 * A sqlite-jdbc statement of a dosqlite connection: updates and queries run through the
 * connection's {@link OptimisticRunner}, every call that may do I/O through {@link #io}, and
 * result sets and {@code getConnection()} lead back to the dosqlite objects, not around them.
 */
class JdbcStatement extends JdbcObject implements Statement {
    private final Statement inner;

    JdbcStatement(JdbcConnection conn, Statement inner) {
        super(conn);
        this.inner = inner;
    }

    /** sqlite-jdbc's result set, wrapped so its calls are translated too. */
    final ResultSet results(ResultSet rs) {
        return rs == null ? null : new JdbcResultSet(conn, this, rs);
    }

    @Override
    public Connection getConnection() {
        return conn;
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return results(conn.unhinted().runQuery(sql, () -> io(() -> inner.executeQuery(sql))));
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeUpdate(sql)));
    }

    @Override
    public int executeUpdate(String sql, int a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeUpdate(sql, a)));
    }

    @Override
    public int executeUpdate(String sql, int[] a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeUpdate(sql, a)));
    }

    @Override
    public int executeUpdate(String sql, String[] a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeUpdate(sql, a)));
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeLargeUpdate(sql)));
    }

    @Override
    public long executeLargeUpdate(String sql, int a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeLargeUpdate(sql, a)));
    }

    @Override
    public long executeLargeUpdate(String sql, int[] a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeLargeUpdate(sql, a)));
    }

    @Override
    public long executeLargeUpdate(String sql, String[] a) throws SQLException {
        return conn.unhinted().runUpdate(() -> io(() -> inner.executeLargeUpdate(sql, a)));
    }

    @Override
    public int[] executeBatch() throws SQLException {
        return conn.unhinted().runBatch(() -> io(() -> inner.executeBatch()));
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        return conn.unhinted().runBatch(() -> io(() -> inner.executeLargeBatch()));
    }

    @Override
    final Wrapper wrapped() {
        return inner;
    }

    // ---- the rest delegates

    @Override
    public void addBatch(String a) throws SQLException {
        run(() -> inner.addBatch(a));
    }

    @Override
    public void cancel() throws SQLException {
        run(() -> inner.cancel());
    }

    @Override
    public void clearBatch() throws SQLException {
        run(() -> inner.clearBatch());
    }

    @Override
    public void clearWarnings() throws SQLException {
        run(() -> inner.clearWarnings());
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        run(() -> inner.closeOnCompletion());
    }

    @Override
    public void close() throws SQLException {
        run(() -> inner.close());
    }

    @Override
    public String enquoteIdentifier(String a, boolean b) throws SQLException {
        return io(() -> inner.enquoteIdentifier(a, b));
    }

    @Override
    public String enquoteLiteral(String a) throws SQLException {
        return io(() -> inner.enquoteLiteral(a));
    }

    @Override
    public String enquoteNCharLiteral(String a) throws SQLException {
        return io(() -> inner.enquoteNCharLiteral(a));
    }

    @Override
    public boolean execute(String a, int[] b) throws SQLException {
        return conn.unhinted().runExecute(a, () -> io(() -> inner.execute(a, b)));
    }

    @Override
    public boolean execute(String a, String[] b) throws SQLException {
        return conn.unhinted().runExecute(a, () -> io(() -> inner.execute(a, b)));
    }

    @Override
    public boolean execute(String a, int b) throws SQLException {
        return conn.unhinted().runExecute(a, () -> io(() -> inner.execute(a, b)));
    }

    @Override
    public boolean execute(String a) throws SQLException {
        return conn.unhinted().runExecute(a, () -> io(() -> inner.execute(a)));
    }

    @Override
    public int getFetchDirection() throws SQLException {
        return io(() -> inner.getFetchDirection());
    }

    @Override
    public int getFetchSize() throws SQLException {
        return io(() -> inner.getFetchSize());
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        return results(io(() -> inner.getGeneratedKeys()));
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        return io(() -> inner.getLargeMaxRows());
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        return io(() -> inner.getLargeUpdateCount());
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        return io(() -> inner.getMaxFieldSize());
    }

    @Override
    public int getMaxRows() throws SQLException {
        return io(() -> inner.getMaxRows());
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        return io(() -> inner.getMoreResults());
    }

    @Override
    public boolean getMoreResults(int a) throws SQLException {
        return io(() -> inner.getMoreResults(a));
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        return io(() -> inner.getQueryTimeout());
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        return io(() -> inner.getResultSetConcurrency());
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        return io(() -> inner.getResultSetHoldability());
    }

    @Override
    public int getResultSetType() throws SQLException {
        return io(() -> inner.getResultSetType());
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        return results(io(() -> inner.getResultSet()));
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return io(() -> inner.getUpdateCount());
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return io(() -> inner.getWarnings());
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        return io(() -> inner.isCloseOnCompletion());
    }

    @Override
    public boolean isClosed() throws SQLException {
        return io(() -> inner.isClosed());
    }

    @Override
    public boolean isPoolable() throws SQLException {
        return io(() -> inner.isPoolable());
    }

    @Override
    public boolean isSimpleIdentifier(String a) throws SQLException {
        return io(() -> inner.isSimpleIdentifier(a));
    }

    @Override
    public void setCursorName(String a) throws SQLException {
        run(() -> inner.setCursorName(a));
    }

    @Override
    public void setEscapeProcessing(boolean a) throws SQLException {
        run(() -> inner.setEscapeProcessing(a));
    }

    @Override
    public void setFetchDirection(int a) throws SQLException {
        run(() -> inner.setFetchDirection(a));
    }

    @Override
    public void setFetchSize(int a) throws SQLException {
        run(() -> inner.setFetchSize(a));
    }

    @Override
    public void setLargeMaxRows(long a) throws SQLException {
        run(() -> inner.setLargeMaxRows(a));
    }

    @Override
    public void setMaxFieldSize(int a) throws SQLException {
        run(() -> inner.setMaxFieldSize(a));
    }

    @Override
    public void setMaxRows(int a) throws SQLException {
        run(() -> inner.setMaxRows(a));
    }

    @Override
    public void setPoolable(boolean a) throws SQLException {
        run(() -> inner.setPoolable(a));
    }

    @Override
    public void setQueryTimeout(int a) throws SQLException {
        run(() -> inner.setQueryTimeout(a));
    }
}
