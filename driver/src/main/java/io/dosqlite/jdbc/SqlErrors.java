package io.dosqlite.jdbc;

import io.dosqlite.vfs.PageStoreException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Gives every error a SQLState without taking away what sqlite-jdbc gave it. sqlite-jdbc leaves
 * SQLState null, and when the cause is a page store failure its message only says "disk I/O
 * error"; the real cause was recorded by the VFS in the connection's session and is what the user
 * needs to see (and what pools such as HikariCP act on).
 *
 * <p>What a caller gets:
 * <ul>
 * <li>a page store failure (conflict, network, timeout, token): the {@code java.sql} subclass
 *     pools and retry loops act on ({@link SQLTransactionRollbackException} 40001,
 *     {@link SQLTransientConnectionException} 08006, {@link SQLTimeoutException}, ...), the
 *     SQLite error code in {@link SQLException#getErrorCode()}, sqlite-jdbc's exception suppressed;</li>
 * <li>an error SQLite reported: still an {@link SQLiteException} with its
 *     {@link SQLiteException#getResultCode() extended result code}, now with a SQLState (23000 for
 *     a constraint, 40001 for BUSY/LOCKED, 42000 for SQL errors, ...);</li>
 * <li>a failed batch: still a {@link BatchUpdateException} with its update counts, the SQLState
 *     and error code of the SQLite error that stopped it, that error as its cause;</li>
 * <li>an unsupported method: still a {@link SQLFeatureNotSupportedException}, SQLState HYC00
 *     (not 0A000, on which HikariCP would evict the connection);</li>
 * <li>any other sqlite-jdbc error: an {@link SQLException} with a SQLState (HY000 if nothing
 *     more precise is known).</li>
 * </ul>
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
        String message = e.getMessage();
        if (cause != null) {
            message += " (cause: " + cause + ")";
        }
        SQLException t;
        if (e instanceof BatchUpdateException) {
            // BatchUpdateException takes its cause only in the constructor
            BatchUpdateException b = batch((BatchUpdateException) e, message, cause != null ? cause : causeOf(e));
            if (cause != null) {
                b.addSuppressed(e);
            }
            return b;
        } else if (e instanceof SQLFeatureNotSupportedException) {
            t = new SQLFeatureNotSupportedException(message, SqlState.OPTIONAL_FEATURE_NOT_IMPLEMENTED.code(), e.getErrorCode());
        } else if (e instanceof SQLiteException) {
            SQLiteErrorCode code = ((SQLiteException) e).getResultCode();
            t = new SqliteStateException(withAdvice(message, e.getErrorCode()), code,
                    stateOf(e.getErrorCode()).code());
        } else if (e.getClass() != SQLException.class) {
            return e; // a subclass sqlite-jdbc chose on purpose (e.g. SQLClientInfoException): keep it
        } else {
            t = plain(message, e.getErrorCode());
        }
        t.initCause(cause != null ? cause : causeOf(e));
        if (cause != null) {
            t.addSuppressed(e);
        }
        t.setStackTrace(e.getStackTrace());
        return t;
    }

    /** A failed batch's cause is the SQLite error that stopped it, translated too; otherwise {@code e} itself. */
    private static Throwable causeOf(SQLException e) {
        if (e instanceof BatchUpdateException && e.getCause() instanceof SQLException) {
            return translate((SQLException) e.getCause(), null);
        }
        return e;
    }

    /** The batch's update counts kept; its state and code are those of the error that stopped it. */
    private static BatchUpdateException batch(BatchUpdateException e, String message, Throwable cause) {
        int code = e.getErrorCode();
        if (code == 0 && e.getCause() instanceof SQLException) {
            code = ((SQLException) e.getCause()).getErrorCode();
        }
        BatchUpdateException t = new BatchUpdateException(message, stateOf(code).code(), code,
                e.getLargeUpdateCounts(), cause);
        t.setStackTrace(e.getStackTrace());
        return t;
    }

    /** The SQLState of a SQLite primary result code. */
    static SqlState stateOf(int errorCode) {
        switch (errorCode & 0xff) {
            case 19: // SQLITE_CONSTRAINT
                return SqlState.INTEGRITY_CONSTRAINT_VIOLATION;
            case 5: // SQLITE_BUSY
            case 6: // SQLITE_LOCKED
                return SqlState.SERIALIZATION_FAILURE;
            case 8: // SQLITE_READONLY
                return SqlState.READ_ONLY_TRANSACTION;
            case 9: // SQLITE_INTERRUPT
                return SqlState.QUERY_CANCELED;
            case 11: // SQLITE_CORRUPT
            case 26: // SQLITE_NOTADB
                return SqlState.DATA_CORRUPTED;
            case 18: // SQLITE_TOOBIG
                return SqlState.STRING_DATA_RIGHT_TRUNCATION;
            case 20: // SQLITE_MISMATCH
                return SqlState.DATA_EXCEPTION;
            case 21: // SQLITE_MISUSE
                return SqlState.FUNCTION_SEQUENCE_ERROR;
            case 1: // SQLITE_ERROR: syntax, missing table, ...
                return SqlState.SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION;
            case 10: // SQLITE_IOERR without a recorded store cause
                return SqlState.IO_ERROR;
            default:
                return SqlState.GENERAL_ERROR;
        }
    }

    /** BUSY means another connection of this JVM: say what to do about it. */
    private static String withAdvice(String message, int errorCode) {
        int primary = errorCode & 0xff;
        if (primary == 5 || primary == 6) {
            return message + ". Another connection in this JVM holds the write lock; retry, or raise busyTimeout";
        }
        return message;
    }

    /**
     * A plain SQLException of sqlite-jdbc (its own checks, not SQLite's): typed by what its error
     * code says, if anything.
     */
    private static SQLException plain(String message, int errorCode) {
        String state = stateOf(errorCode).code();
        String text = withAdvice(message, errorCode);
        switch (errorCode & 0xff) {
            case 19:
                return new SQLIntegrityConstraintViolationException(text, state, errorCode);
            case 5:
            case 6:
                return new SQLTransactionRollbackException(text, state, errorCode);
            default:
                return new SQLException(text, state, errorCode);
        }
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
            case FORBIDDEN:
                t = new java.sql.SQLSyntaxErrorException(message, state, vendorCode); // class 42: access rule violation
                break;
            default:
                t = new SQLException(message, state, vendorCode);
        }
        t.initCause(p);
        return t;
    }
}
