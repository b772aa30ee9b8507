package io.dosqlite.jdbc;

import java.sql.SQLException;

/**
 * Every SQLState the driver reports, in one place (as pgjdbc's {@code PSQLState}); page store
 * failures carry theirs in {@link io.dosqlite.vfs.PageStoreException.Kind#sqlState()}. Pools and
 * applications act on the class (the first two characters): HikariCP evicts a connection on 08,
 * retry loops catch 40.
 */
enum SqlState {
    /** A URL or property is malformed or unknown. */
    BAD_URL("08001"),
    CONNECTION_DOES_NOT_EXIST("08003"),
    /** Another transaction committed first: roll back and run the transaction again. */
    SERIALIZATION_FAILURE("40001"),
    INTEGRITY_CONSTRAINT_VIOLATION("23000"),
    READ_ONLY_TRANSACTION("25006"),
    QUERY_CANCELED("57014"),
    DATA_CORRUPTED("XX001"),
    STRING_DATA_RIGHT_TRUNCATION("22001"),
    DATA_EXCEPTION("22000"),
    INVALID_PARAMETER_VALUE("22023"),
    SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION("42000"),
    /** The token does not allow this (another database, or a write with a read-only token). */
    INSUFFICIENT_PRIVILEGE("42501"),
    IO_ERROR("58030"),
    FUNCTION_SEQUENCE_ERROR("HY010"),
    /** Not 0A000, on which HikariCP would evict the connection. */
    OPTIONAL_FEATURE_NOT_IMPLEMENTED("HYC00"),
    GENERAL_ERROR("HY000");

    private final String code;

    SqlState(String code) {
        this.code = code;
    }

    /** The five-character SQLState. */
    String code() {
        return code;
    }

    /** A plain SQLException with this state. */
    SQLException exception(String message) {
        return new SQLException(message, code);
    }
}
