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
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.Wrapper;
import java.sql.SQLType;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * A result set of a dosqlite connection. Moving the cursor may read pages (SQLite computes rows
 * as they are stepped to), so those calls go through {@link #io}; reading the current row's
 * columns does no I/O and only translates errors, with no reflection or allocation on the way.
 */
final class JdbcResultSet extends JdbcObject implements ResultSet {
    private final ResultSet inner;
    /** The statement that made it; for metadata results, sqlite-jdbc's internal one, wrapped on demand. */
    private Statement statement;

    JdbcResultSet(JdbcConnection conn, Statement statement, ResultSet inner) {
        super(conn);
        this.statement = statement;
        this.inner = inner;
    }

    /**
     * As sqlite-jdbc: a metadata result set has the statement that ran its query, closed with it
     * (tools check that to find leaks), so it is wrapped here too rather than hidden as null.
     */
    @Override
    public synchronized Statement getStatement() throws SQLException {
        if (statement == null) {
            Statement own = inner.getStatement();
            statement = own == null ? null : new JdbcStatement(conn, own);
        }
        return statement;
    }

    @Override
    public boolean next() throws SQLException {
        conn.beforeCall();
        boolean more;
        try {
            more = inner.next();
        } catch (SQLException e) {
            throw failed(e);
        }
        conn.afterCall();
        return more;
    }

    @Override
    final Wrapper wrapped() {
        return inner;
    }

    // ---- moving the cursor

    @Override
    public boolean absolute(int a) throws SQLException {
        return io(() -> inner.absolute(a));
    }

    @Override
    public void afterLast() throws SQLException {
        run(() -> inner.afterLast());
    }

    @Override
    public void beforeFirst() throws SQLException {
        run(() -> inner.beforeFirst());
    }

    @Override
    public void close() throws SQLException {
        run(() -> inner.close());
    }

    @Override
    public boolean first() throws SQLException {
        return io(() -> inner.first());
    }

    @Override
    public boolean last() throws SQLException {
        return io(() -> inner.last());
    }

    @Override
    public boolean previous() throws SQLException {
        return io(() -> inner.previous());
    }

    @Override
    public boolean relative(int a) throws SQLException {
        return io(() -> inner.relative(a));
    }

    // ---- the current row, and the rest

    @Override
    public void cancelRowUpdates() throws SQLException {
        try { inner.cancelRowUpdates(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void clearWarnings() throws SQLException {
        try { inner.clearWarnings(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void deleteRow() throws SQLException {
        try { inner.deleteRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int findColumn(String a) throws SQLException {
        try { return inner.findColumn(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Array getArray(String a) throws SQLException {
        try { return inner.getArray(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Array getArray(int a) throws SQLException {
        try { return inner.getArray(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getAsciiStream(String a) throws SQLException {
        try { return inner.getAsciiStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getAsciiStream(int a) throws SQLException {
        try { return inner.getAsciiStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public BigDecimal getBigDecimal(String a, int b) throws SQLException {
        try { return inner.getBigDecimal(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public BigDecimal getBigDecimal(String a) throws SQLException {
        try { return inner.getBigDecimal(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public BigDecimal getBigDecimal(int a, int b) throws SQLException {
        try { return inner.getBigDecimal(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public BigDecimal getBigDecimal(int a) throws SQLException {
        try { return inner.getBigDecimal(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getBinaryStream(String a) throws SQLException {
        try { return inner.getBinaryStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getBinaryStream(int a) throws SQLException {
        try { return inner.getBinaryStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Blob getBlob(String a) throws SQLException {
        try { return inner.getBlob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Blob getBlob(int a) throws SQLException {
        try { return inner.getBlob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean getBoolean(String a) throws SQLException {
        try { return inner.getBoolean(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean getBoolean(int a) throws SQLException {
        try { return inner.getBoolean(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public byte getByte(String a) throws SQLException {
        try { return inner.getByte(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public byte getByte(int a) throws SQLException {
        try { return inner.getByte(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public byte[] getBytes(String a) throws SQLException {
        try { return inner.getBytes(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public byte[] getBytes(int a) throws SQLException {
        try { return inner.getBytes(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Reader getCharacterStream(String a) throws SQLException {
        try { return inner.getCharacterStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Reader getCharacterStream(int a) throws SQLException {
        try { return inner.getCharacterStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Clob getClob(String a) throws SQLException {
        try { return inner.getClob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Clob getClob(int a) throws SQLException {
        try { return inner.getClob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getConcurrency() throws SQLException {
        try { return inner.getConcurrency(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public String getCursorName() throws SQLException {
        try { return inner.getCursorName(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Date getDate(String a, Calendar b) throws SQLException {
        try { return inner.getDate(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Date getDate(String a) throws SQLException {
        try { return inner.getDate(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Date getDate(int a, Calendar b) throws SQLException {
        try { return inner.getDate(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Date getDate(int a) throws SQLException {
        try { return inner.getDate(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public double getDouble(String a) throws SQLException {
        try { return inner.getDouble(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public double getDouble(int a) throws SQLException {
        try { return inner.getDouble(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        try { return inner.getFetchDirection(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getFetchSize() throws SQLException {
        try { return inner.getFetchSize(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public float getFloat(String a) throws SQLException {
        try { return inner.getFloat(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public float getFloat(int a) throws SQLException {
        try { return inner.getFloat(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getHoldability() throws SQLException {
        try { return inner.getHoldability(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getInt(String a) throws SQLException {
        try { return inner.getInt(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getInt(int a) throws SQLException {
        try { return inner.getInt(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public long getLong(String a) throws SQLException {
        try { return inner.getLong(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public long getLong(int a) throws SQLException {
        try { return inner.getLong(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        try { return inner.getMetaData(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Reader getNCharacterStream(String a) throws SQLException {
        try { return inner.getNCharacterStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Reader getNCharacterStream(int a) throws SQLException {
        try { return inner.getNCharacterStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public NClob getNClob(String a) throws SQLException {
        try { return inner.getNClob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public NClob getNClob(int a) throws SQLException {
        try { return inner.getNClob(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public String getNString(String a) throws SQLException {
        try { return inner.getNString(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public String getNString(int a) throws SQLException {
        try { return inner.getNString(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public <T> T getObject(String a, Class<T> b) throws SQLException {
        try { return inner.getObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Object getObject(String a, Map<String, Class<?>> b) throws SQLException {
        try { return inner.getObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Object getObject(String a) throws SQLException {
        try { return inner.getObject(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public <T> T getObject(int a, Class<T> b) throws SQLException {
        try { return inner.getObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Object getObject(int a, Map<String, Class<?>> b) throws SQLException {
        try { return inner.getObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Object getObject(int a) throws SQLException {
        try { return inner.getObject(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Ref getRef(String a) throws SQLException {
        try { return inner.getRef(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Ref getRef(int a) throws SQLException {
        try { return inner.getRef(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public RowId getRowId(String a) throws SQLException {
        try { return inner.getRowId(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public RowId getRowId(int a) throws SQLException {
        try { return inner.getRowId(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getRow() throws SQLException {
        try { return inner.getRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public SQLXML getSQLXML(String a) throws SQLException {
        try { return inner.getSQLXML(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public SQLXML getSQLXML(int a) throws SQLException {
        try { return inner.getSQLXML(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public short getShort(String a) throws SQLException {
        try { return inner.getShort(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public short getShort(int a) throws SQLException {
        try { return inner.getShort(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public String getString(String a) throws SQLException {
        try { return inner.getString(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public String getString(int a) throws SQLException {
        try { return inner.getString(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Time getTime(String a, Calendar b) throws SQLException {
        try { return inner.getTime(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Time getTime(String a) throws SQLException {
        try { return inner.getTime(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Time getTime(int a, Calendar b) throws SQLException {
        try { return inner.getTime(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Time getTime(int a) throws SQLException {
        try { return inner.getTime(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Timestamp getTimestamp(String a, Calendar b) throws SQLException {
        try { return inner.getTimestamp(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Timestamp getTimestamp(String a) throws SQLException {
        try { return inner.getTimestamp(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Timestamp getTimestamp(int a, Calendar b) throws SQLException {
        try { return inner.getTimestamp(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public Timestamp getTimestamp(int a) throws SQLException {
        try { return inner.getTimestamp(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public int getType() throws SQLException {
        try { return inner.getType(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public URL getURL(String a) throws SQLException {
        try { return inner.getURL(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public URL getURL(int a) throws SQLException {
        try { return inner.getURL(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getUnicodeStream(String a) throws SQLException {
        try { return inner.getUnicodeStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public InputStream getUnicodeStream(int a) throws SQLException {
        try { return inner.getUnicodeStream(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        try { return inner.getWarnings(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void insertRow() throws SQLException {
        try { inner.insertRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        try { return inner.isAfterLast(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean isBeforeFirst() throws SQLException {
        try { return inner.isBeforeFirst(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean isClosed() throws SQLException {
        try { return inner.isClosed(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean isFirst() throws SQLException {
        try { return inner.isFirst(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean isLast() throws SQLException {
        try { return inner.isLast(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void moveToCurrentRow() throws SQLException {
        try { inner.moveToCurrentRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void moveToInsertRow() throws SQLException {
        try { inner.moveToInsertRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void refreshRow() throws SQLException {
        try { inner.refreshRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean rowDeleted() throws SQLException {
        try { return inner.rowDeleted(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean rowInserted() throws SQLException {
        try { return inner.rowInserted(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean rowUpdated() throws SQLException {
        try { return inner.rowUpdated(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setFetchDirection(int a) throws SQLException {
        try { inner.setFetchDirection(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void setFetchSize(int a) throws SQLException {
        try { inner.setFetchSize(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateArray(String a, Array b) throws SQLException {
        try { inner.updateArray(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateArray(int a, Array b) throws SQLException {
        try { inner.updateArray(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(String a, InputStream b, int c) throws SQLException {
        try { inner.updateAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(String a, InputStream b, long c) throws SQLException {
        try { inner.updateAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(String a, InputStream b) throws SQLException {
        try { inner.updateAsciiStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(int a, InputStream b, int c) throws SQLException {
        try { inner.updateAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(int a, InputStream b, long c) throws SQLException {
        try { inner.updateAsciiStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateAsciiStream(int a, InputStream b) throws SQLException {
        try { inner.updateAsciiStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBigDecimal(String a, BigDecimal b) throws SQLException {
        try { inner.updateBigDecimal(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBigDecimal(int a, BigDecimal b) throws SQLException {
        try { inner.updateBigDecimal(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(String a, InputStream b, int c) throws SQLException {
        try { inner.updateBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(String a, InputStream b, long c) throws SQLException {
        try { inner.updateBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(String a, InputStream b) throws SQLException {
        try { inner.updateBinaryStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(int a, InputStream b, int c) throws SQLException {
        try { inner.updateBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(int a, InputStream b, long c) throws SQLException {
        try { inner.updateBinaryStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBinaryStream(int a, InputStream b) throws SQLException {
        try { inner.updateBinaryStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(String a, InputStream b, long c) throws SQLException {
        try { inner.updateBlob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(String a, InputStream b) throws SQLException {
        try { inner.updateBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(String a, Blob b) throws SQLException {
        try { inner.updateBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(int a, InputStream b, long c) throws SQLException {
        try { inner.updateBlob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(int a, InputStream b) throws SQLException {
        try { inner.updateBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBlob(int a, Blob b) throws SQLException {
        try { inner.updateBlob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBoolean(String a, boolean b) throws SQLException {
        try { inner.updateBoolean(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBoolean(int a, boolean b) throws SQLException {
        try { inner.updateBoolean(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateByte(String a, byte b) throws SQLException {
        try { inner.updateByte(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateByte(int a, byte b) throws SQLException {
        try { inner.updateByte(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBytes(String a, byte[] b) throws SQLException {
        try { inner.updateBytes(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateBytes(int a, byte[] b) throws SQLException {
        try { inner.updateBytes(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(String a, Reader b, int c) throws SQLException {
        try { inner.updateCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(String a, Reader b, long c) throws SQLException {
        try { inner.updateCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(String a, Reader b) throws SQLException {
        try { inner.updateCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(int a, Reader b, int c) throws SQLException {
        try { inner.updateCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(int a, Reader b, long c) throws SQLException {
        try { inner.updateCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateCharacterStream(int a, Reader b) throws SQLException {
        try { inner.updateCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(String a, Reader b, long c) throws SQLException {
        try { inner.updateClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(String a, Reader b) throws SQLException {
        try { inner.updateClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(String a, Clob b) throws SQLException {
        try { inner.updateClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(int a, Reader b, long c) throws SQLException {
        try { inner.updateClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(int a, Reader b) throws SQLException {
        try { inner.updateClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateClob(int a, Clob b) throws SQLException {
        try { inner.updateClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateDate(String a, Date b) throws SQLException {
        try { inner.updateDate(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateDate(int a, Date b) throws SQLException {
        try { inner.updateDate(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateDouble(String a, double b) throws SQLException {
        try { inner.updateDouble(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateDouble(int a, double b) throws SQLException {
        try { inner.updateDouble(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateFloat(String a, float b) throws SQLException {
        try { inner.updateFloat(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateFloat(int a, float b) throws SQLException {
        try { inner.updateFloat(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateInt(String a, int b) throws SQLException {
        try { inner.updateInt(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateInt(int a, int b) throws SQLException {
        try { inner.updateInt(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateLong(String a, long b) throws SQLException {
        try { inner.updateLong(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateLong(int a, long b) throws SQLException {
        try { inner.updateLong(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNCharacterStream(String a, Reader b, long c) throws SQLException {
        try { inner.updateNCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNCharacterStream(String a, Reader b) throws SQLException {
        try { inner.updateNCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNCharacterStream(int a, Reader b, long c) throws SQLException {
        try { inner.updateNCharacterStream(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNCharacterStream(int a, Reader b) throws SQLException {
        try { inner.updateNCharacterStream(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(String a, Reader b, long c) throws SQLException {
        try { inner.updateNClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(String a, Reader b) throws SQLException {
        try { inner.updateNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(String a, NClob b) throws SQLException {
        try { inner.updateNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(int a, Reader b, long c) throws SQLException {
        try { inner.updateNClob(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(int a, Reader b) throws SQLException {
        try { inner.updateNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNClob(int a, NClob b) throws SQLException {
        try { inner.updateNClob(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNString(String a, String b) throws SQLException {
        try { inner.updateNString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNString(int a, String b) throws SQLException {
        try { inner.updateNString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNull(String a) throws SQLException {
        try { inner.updateNull(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateNull(int a) throws SQLException {
        try { inner.updateNull(a); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(String a, Object b, int c) throws SQLException {
        try { inner.updateObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(String a, Object b, SQLType c, int d) throws SQLException {
        try { inner.updateObject(a, b, c, d); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(String a, Object b, SQLType c) throws SQLException {
        try { inner.updateObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(String a, Object b) throws SQLException {
        try { inner.updateObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(int a, Object b, int c) throws SQLException {
        try { inner.updateObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(int a, Object b, SQLType c, int d) throws SQLException {
        try { inner.updateObject(a, b, c, d); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(int a, Object b, SQLType c) throws SQLException {
        try { inner.updateObject(a, b, c); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateObject(int a, Object b) throws SQLException {
        try { inner.updateObject(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateRef(String a, Ref b) throws SQLException {
        try { inner.updateRef(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateRef(int a, Ref b) throws SQLException {
        try { inner.updateRef(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateRowId(String a, RowId b) throws SQLException {
        try { inner.updateRowId(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateRowId(int a, RowId b) throws SQLException {
        try { inner.updateRowId(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateRow() throws SQLException {
        try { inner.updateRow(); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateSQLXML(String a, SQLXML b) throws SQLException {
        try { inner.updateSQLXML(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateSQLXML(int a, SQLXML b) throws SQLException {
        try { inner.updateSQLXML(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateShort(String a, short b) throws SQLException {
        try { inner.updateShort(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateShort(int a, short b) throws SQLException {
        try { inner.updateShort(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateString(String a, String b) throws SQLException {
        try { inner.updateString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateString(int a, String b) throws SQLException {
        try { inner.updateString(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateTime(String a, Time b) throws SQLException {
        try { inner.updateTime(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateTime(int a, Time b) throws SQLException {
        try { inner.updateTime(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateTimestamp(String a, Timestamp b) throws SQLException {
        try { inner.updateTimestamp(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public void updateTimestamp(int a, Timestamp b) throws SQLException {
        try { inner.updateTimestamp(a, b); } catch (SQLException e) { throw failed(e); }
    }

    @Override
    public boolean wasNull() throws SQLException {
        try { return inner.wasNull(); } catch (SQLException e) { throw failed(e); }
    }
}
