package io.dosqlite.jdbc;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * An error SQLite reported, as sqlite-jdbc reports it — an {@link SQLiteException} whose
 * {@link #getResultCode()} is the extended result code and whose {@link #getErrorCode()} is the
 * primary one — that also carries a SQLState, which sqlite-jdbc leaves null. Code written for
 * sqlite-jdbc ({@code catch (SQLiteException e)}) and code that reads SQLStates (Spring, pools,
 * retry loops) both work on it.
 */
final class SqliteStateException extends SQLiteException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    SqliteStateException(String message, SQLiteErrorCode resultCode, String sqlState) {
        super(message, resultCode);
        this.sqlState = sqlState;
    }

    /** SQLException offers no constructor taking a result code object and a state: override. */
    @Override
    public String getSQLState() {
        return sqlState;
    }
}
