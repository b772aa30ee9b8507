package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Only statements that cannot write may be run again by the driver. */
class SqlTextTest {

    @Test
    void selectsAndValuesAreQueries() {
        assertTrue(SqlText.isSelect("SELECT 1"));
        assertTrue(SqlText.isSelect("  select * from t"));
        assertTrue(SqlText.isSelect("-- a comment\n/* another */ SELECT x FROM t"));
        assertTrue(SqlText.isSelect("VALUES (1), (2)"));
        assertTrue(SqlText.isSelect("\tSelect\n1"));
    }

    @Test
    void anythingThatMayWriteIsNot() {
        assertFalse(SqlText.isSelect(null));
        assertFalse(SqlText.isSelect(""));
        assertFalse(SqlText.isSelect("-- only a comment"));
        assertFalse(SqlText.isSelect("WITH x AS (SELECT 1) DELETE FROM t RETURNING *"));
        assertFalse(SqlText.isSelect("INSERT INTO t VALUES (1) RETURNING id"));
        assertFalse(SqlText.isSelect("PRAGMA user_version"));
        assertFalse(SqlText.isSelect("SELECTED"));
        assertFalse(SqlText.isSelect("/* unterminated SELECT"));
    }

    @Test
    void transactionControlIsRecognised() {
        assertTrue(SqlText.isTransactionControl("COMMIT"));
        assertTrue(SqlText.isTransactionControl(" -- done\n end transaction"));
        assertTrue(SqlText.isTransactionControl("BEGIN IMMEDIATE"));
        assertTrue(SqlText.isTransactionControl("release sp1"));
        assertFalse(SqlText.isTransactionControl("UPDATE t SET v = 1"));
        assertFalse(SqlText.isTransactionControl(null));
    }
}
