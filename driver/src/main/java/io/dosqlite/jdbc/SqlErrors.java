package io.dosqlite.jdbc;

import io.dosqlite.vfs.PageStoreException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;

/**
 * Gives every error a SQLState. sqlite-jdbc leaves SQLState null, and when the cause is a page
 * store failure its message only says "disk I/O error"; the real cause was recorded by the VFS in
 * the connection's session and is what the user needs to see (and what pools such as HikariCP act on).
 */
final class SqlErrors {
    private SqlErrors() {
    }

    /**
     * Translates an error thrown by sqlite-jdbc; {@code cause} is what the connection's session
     * recorded during the call (null if nothing).
     */
    static SQLException translate(SQLException e, Throwable cause) {
        if (cause instanceof PageStoreException) {
            SQLException t = fromStore((PageStoreException) cause, e.getErrorCode());
            t.addSuppressed(e);
            return t;
        }
        if (e.getSQLState() != null) {
            return e;
        }
        int primary = e.getErrorCode() & 0xff;
        String message = e.getMessage();
        if (cause != null) {
            message += " (cause: " + cause + ")";
        }
        SQLException t;
        switch (primary) {
            case 19: // SQLITE_CONSTRAINT
                t = new SQLIntegrityConstraintViolationException(message, SqlState.INTEGRITY_CONSTRAINT_VIOLATION.code(), e.getErrorCode());
                break;
            case 5: // SQLITE_BUSY
            case 6: // SQLITE_LOCKED
                t = new SQLTransactionRollbackException(message
                        + ". Another connection in this JVM holds the write lock; retry, or raise busyTimeout",
                        SqlState.SERIALIZATION_FAILURE.code(), e.getErrorCode());
                break;
            case 8: // SQLITE_READONLY
                t = new SQLException(message, SqlState.READ_ONLY_TRANSACTION.code(), e.getErrorCode());
                break;
            case 9: // SQLITE_INTERRUPT
                t = new SQLException(message, SqlState.QUERY_CANCELED.code(), e.getErrorCode());
                break;
            case 11: // SQLITE_CORRUPT
            case 26: // SQLITE_NOTADB
                t = new SQLException(message, SqlState.DATA_CORRUPTED.code(), e.getErrorCode());
                break;
            case 18: // SQLITE_TOOBIG
                t = new SQLException(message, SqlState.STRING_DATA_RIGHT_TRUNCATION.code(), e.getErrorCode());
                break;
            case 20: // SQLITE_MISMATCH
                t = new SQLException(message, SqlState.DATA_EXCEPTION.code(), e.getErrorCode());
                break;
            case 21: // SQLITE_MISUSE
                t = new SQLException(message, SqlState.FUNCTION_SEQUENCE_ERROR.code(), e.getErrorCode());
                break;
            case 1: // SQLITE_ERROR: syntax, missing table, ...
                t = new SQLException(message, SqlState.SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION.code(), e.getErrorCode());
                break;
            case 10: // SQLITE_IOERR without a recorded store cause
                t = new SQLException(message, SqlState.IO_ERROR.code(), e.getErrorCode());
                break;
            default:
                t = new SQLException(message, SqlState.GENERAL_ERROR.code(), e.getErrorCode());
        }
        t.initCause(cause != null ? cause : e);
        if (cause != null) {
            t.addSuppressed(e);
        }
        return t;
    }

    /** The SQLException for a page store failure, typed so pools and callers can react to it. */
    static SQLException fromStore(PageStoreException p, int vendorCode) {
        String state = p.kind().sqlState();
        String message = p.getMessage();
        SQLException t;
        switch (p.kind()) {
            case CONFLICT:
            case SNAPSHOT_EXPIRED:
                t = new SQLTransactionRollbackException(message, state, vendorCode);
                break;
            case TIMEOUT:
                t = new SQLTimeoutException(message, state, vendorCode);
                break;
            case UNAVAILABLE:
                t = new SQLTransientConnectionException(message, state, vendorCode);
                break;
            case UNKNOWN_OUTCOME:
            case NOT_FOUND:
                t = new SQLNonTransientConnectionException(message, state, vendorCode);
                break;
            case AUTH:
                t = new SQLInvalidAuthorizationSpecException(message, state, vendorCode);
                break;
            default:
                t = new SQLException(message, state, vendorCode);
        }
        t.initCause(p);
        return t;
    }
}
