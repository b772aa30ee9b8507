package io.dosqlite.vfs;

import java.io.IOException;

/**
 * A page store failure with a {@link Kind} that the VFS maps to a SQLite result code and the JDBC
 * layer maps to a SQLState. The message says what the user should do next.
 */
public class PageStoreException extends IOException {

    /** What went wrong, coarse enough to choose a SQLite code and a SQLState from. */
    public enum Kind {
        /** Another commit landed first; retry the whole transaction (SQLState 40001). */
        CONFLICT("40001"),
        /** The pinned snapshot is older than the server keeps; retry the transaction (40001). */
        SNAPSHOT_EXPIRED("40001"),
        /** A page failed its checksum or the response was malformed (XX001). */
        CORRUPT("XX001"),
        /** The server did not answer within the timeout (08006; JDBC layer raises SQLTimeoutException). */
        TIMEOUT("08006"),
        /** The server could not be reached or the connection broke (08001 before any answer, 08006 after). */
        UNAVAILABLE("08006"),
        /** Missing, wrong, forged or expired token (28000). */
        AUTH("28000"),
        /** The token is valid but does not allow this: another database, or a write with a read-only token (42501). */
        FORBIDDEN("42501"),
        /** The database does not exist (08004: connection rejected). */
        NOT_FOUND("08004"),
        /** A request or database over a size limit (54000). */
        TOO_LARGE("54000"),
        /** The input is not acceptable: bad name, page size, file (22023). */
        INVALID("22023"),
        /** The outcome of a commit is unknown and could not be resolved (08007). */
        UNKNOWN_OUTCOME("08007"),
        /** Anything else the server or client reported (58030: I/O error). */
        IO("58030");

        private final String sqlState;

        Kind(String sqlState) {
            this.sqlState = sqlState;
        }

        /** The SQLState the JDBC layer reports for this kind. */
        public String sqlState() {
            return sqlState;
        }
    }

    private final Kind kind;

    public PageStoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PageStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
