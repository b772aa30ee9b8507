package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** A translated error keeps the type a sqlite-jdbc user catches, and gains a SQLState. */
class SqlErrorsTest {
    @Test
    void aSqliteErrorStaysASqliteExceptionWithItsResultCode() {
        SQLiteException e = new SQLiteException("[SQLITE_CONSTRAINT_PRIMARYKEY] A PRIMARY KEY constraint failed",
                SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
        SQLException t = SqlErrors.translate(e, null);
        SQLiteException s = assertInstanceOf(SQLiteException.class, t);
        assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY, s.getResultCode());
        assertEquals(19, s.getErrorCode());
        assertEquals("23000", s.getSQLState());
        assertEquals(e.getMessage(), s.getMessage());
    }

    @Test
    void busyTellsWhatToDo() {
        SQLException t = SqlErrors.translate(new SQLiteException("[SQLITE_BUSY] database is locked",
                SQLiteErrorCode.SQLITE_BUSY), null);
        assertInstanceOf(SQLiteException.class, t);
        assertEquals("40001", t.getSQLState());
        assertEquals(true, t.getMessage().contains("raise busyTimeout"), t.getMessage());
    }

    @Test
    void aFailedBatchKeepsItsCountsAndGetsTheStateOfWhatStoppedIt() {
        SQLiteException cause = new SQLiteException("[SQLITE_CONSTRAINT_UNIQUE] unique", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE);
        BatchUpdateException e = new BatchUpdateException("batch entry 2: " + cause.getMessage(), null, 0,
                new long[] {1, 1, 0}, cause);
        SQLException t = SqlErrors.translate(e, null);
        BatchUpdateException b = assertInstanceOf(BatchUpdateException.class, t);
        assertArrayEquals(new long[] {1, 1, 0}, b.getLargeUpdateCounts());
        assertArrayEquals(new int[] {1, 1, 0}, b.getUpdateCounts());
        assertEquals("23000", b.getSQLState());
        assertEquals(19, b.getErrorCode());
        SQLiteException c = assertInstanceOf(SQLiteException.class, b.getCause());
        assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE, c.getResultCode());
        assertEquals("23000", c.getSQLState());
    }

    @Test
    void anUnsupportedFeatureStaysSoWithAStatePoolsDoNotEvictOn() {
        SQLException t = SqlErrors.translate(new SQLFeatureNotSupportedException("not implemented by SQLite JDBC driver"), null);
        assertInstanceOf(SQLFeatureNotSupportedException.class, t);
        assertEquals("HYC00", t.getSQLState());
    }

    @Test
    void aPlainErrorOfSqliteJdbcGetsAGeneralState() {
        SQLException t = SqlErrors.translate(new SQLException("statement is not executing"), null);
        assertEquals(SQLException.class, t.getClass());
        assertEquals("HY000", t.getSQLState());
    }
}
