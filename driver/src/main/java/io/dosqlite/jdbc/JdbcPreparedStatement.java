package io.dosqlite.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;

/**
 * A prepared statement of a dosqlite connection. sqlite-jdbc finalizes a prepared statement whose
 * execution failed with an I/O error; this one is prepared again after such a failure (see
 * {@link StatementRevival}) unless the application closed it. Parameter setters do no I/O and
 * only translate errors.
 */
final class JdbcPreparedStatement extends JdbcStatement implements PreparedStatement {
    private final PreparedStatement ps;
    private final String sql;
    private volatile boolean closedByCaller;
    /** Numeric parameter values: the bounds of a range scan's read-ahead (see ScanPlans). */
    private final BoundNumbers bound = new BoundNumbers();

    JdbcPreparedStatement(JdbcConnection conn, PreparedStatement ps, String sql) {
        super(conn, ps);
        this.ps = ps;
        this.sql = sql;
    }

    @Override
    SQLException failed(SQLException e) {
        SQLException translated = super.failed(e);
        if (!closedByCaller) {
            StatementRevival.revive(ps);
        }
        return translated;
    }

    @Override
    public void close() throws SQLException {
        closedByCaller = true;
        super.close();
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        conn.hintScan(sql, this::parameterCount, bound);
        return results(conn.optimistic().runQuery(sql, () -> io(() -> ps.executeQuery())));
    }

    @Override
    public int executeUpdate() throws SQLException {
        conn.hintScan(null, null, null);
        return conn.optimistic().runUpdate(() -> io(() -> ps.executeUpdate()));
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        conn.hintScan(null, null, null);
        return conn.optimistic().runUpdate(() -> io(() -> ps.executeLargeUpdate()));
    }

    @Override
    public boolean execute() throws SQLException {
        conn.hintScan(sql, this::parameterCount, bound);
        return conn.optimistic().runExecute(sql, () -> io(() -> ps.execute()));
    }

    /** The number of parameters of the statement, or -1 if sqlite-jdbc cannot say. */
    private int parameterCount() {
        try {
            return ps.getParameterMetaData().getParameterCount();
        } catch (SQLException e) {
            return -1;
        }
    }

    // ---- the rest delegates

    @Override
    public void addBatch() throws SQLException {
        try { ps.addBatch(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void clearParameters() throws SQLException {
        bound.clear();
        try { ps.clearParameters(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        try { return ps.getMetaData(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        try { return ps.getParameterMetaData(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setArray(int a, Array b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setArray(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setAsciiStream(int a, InputStream b, int c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setAsciiStream(int a, InputStream b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setAsciiStream(int a, InputStream b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setAsciiStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBigDecimal(int a, BigDecimal b) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setBigDecimal(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBinaryStream(int a, InputStream b, int c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBinaryStream(int a, InputStream b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBinaryStream(int a, InputStream b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBinaryStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBlob(int a, InputStream b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBlob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBlob(int a, InputStream b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBlob(int a, Blob b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBoolean(int a, boolean b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBoolean(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setByte(int a, byte b) throws SQLException {
        bound.set(a, b);
        try { ps.setByte(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setBytes(int a, byte[] b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setBytes(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setCharacterStream(int a, Reader b, int c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setCharacterStream(int a, Reader b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setCharacterStream(int a, Reader b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setClob(int a, Reader b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setClob(int a, Reader b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setClob(int a, Clob b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setDate(int a, Date b, Calendar c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setDate(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setDate(int a, Date b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setDate(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setDouble(int a, double b) throws SQLException {
        bound.set(a, b);
        try { ps.setDouble(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setFloat(int a, float b) throws SQLException {
        bound.set(a, b);
        try { ps.setFloat(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setInt(int a, int b) throws SQLException {
        bound.set(a, b);
        try { ps.setInt(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setLong(int a, long b) throws SQLException {
        bound.set(a, b);
        try { ps.setLong(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNCharacterStream(int a, Reader b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNCharacterStream(int a, Reader b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNClob(int a, Reader b, long c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNClob(int a, Reader b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNClob(int a, NClob b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNString(int a, String b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNull(int a, int b, String c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNull(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setNull(int a, int b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setNull(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setObject(int a, Object b, int c, int d) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setObject(a, b, c, d); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setObject(int a, Object b, int c) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setObject(int a, Object b, SQLType c, int d) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setObject(a, b, c, d); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setObject(int a, Object b, SQLType c) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setObject(int a, Object b) throws SQLException {
        bound.set(a, BoundNumbers.of(b));
        try { ps.setObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setRef(int a, Ref b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setRef(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setRowId(int a, RowId b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setRowId(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setSQLXML(int a, SQLXML b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setSQLXML(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setShort(int a, short b) throws SQLException {
        bound.set(a, b);
        try { ps.setShort(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setString(int a, String b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setTime(int a, Time b, Calendar c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setTime(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setTime(int a, Time b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setTime(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setTimestamp(int a, Timestamp b, Calendar c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setTimestamp(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setTimestamp(int a, Timestamp b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setTimestamp(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setURL(int a, URL b) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setURL(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setUnicodeStream(int a, InputStream b, int c) throws SQLException {
        bound.set(a, Double.NaN);
        try { ps.setUnicodeStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }
}
