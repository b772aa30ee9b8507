package io.dosqlite.it.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sqlite.Collation;
import org.sqlite.Function;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Code written for jdbc:sqlite: keeps working on jdbc:dosqlite: against a real page server:
 * the exceptions it catches, its functions and collations, its connection properties. Each case
 * is one that sqlite-jdbc's own suite found different (docs/conformance.md).
 */
@ExtendWith(PerRunPageServer.class)
class SqliteJdbcCompatTest {

    @Test
    void aDuplicateKeyIsASqliteExceptionWithItsExtendedCodeAndState23000(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
            s.execute("INSERT INTO t VALUES (1, 'a')");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (?, 'b')")) {
                p.setInt(1, 1);
                SQLiteException e = assertThrows(SQLiteException.class, p::executeUpdate);
                assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY, e.getResultCode());
                assertEquals(19, e.getErrorCode());
                assertEquals("23000", e.getSQLState());
            }
            SQLiteException unique = assertThrows(SQLiteException.class, () -> s.execute("INSERT INTO t VALUES (2, 'a')"));
            assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE, unique.getResultCode());
        }
    }

    @Test
    void aBatchStoppedByADuplicateKeyKeepsItsCounts(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)");
            s.addBatch("INSERT INTO t VALUES (1)");
            s.addBatch("INSERT INTO t VALUES (2)");
            s.addBatch("INSERT INTO t VALUES (1)");
            BatchUpdateException e = assertThrows(BatchUpdateException.class, s::executeBatch);
            assertEquals("23000", e.getSQLState());
            assertEquals(19, e.getErrorCode());
            assertArrayEquals(new int[] {1, 1, 0}, e.getUpdateCounts());
            assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY,
                    assertInstanceOf(SQLiteException.class, e.getCause()).getResultCode());
        }
    }

    @Test
    void whatSqliteJdbcDoesNotSupportIsStillSqlFeatureNotSupported(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat"));
             Statement s = c.createStatement()) {
            assertTrue(s.execute("SELECT 1"));
            SQLFeatureNotSupportedException e = assertThrows(SQLFeatureNotSupportedException.class,
                    () -> s.getMoreResults(Statement.KEEP_CURRENT_RESULT));
            assertEquals("HYC00", e.getSQLState());
        }
    }

    @Test
    void functionsAndCollationsRegisterOnADosqliteConnection(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat"))) {
            SQLiteConnection sqlite = (SQLiteConnection) c;
            Function.create(sqlite, "twice", new Function() {
                @Override
                protected void xFunc() throws SQLException {
                    result(value_int(0) * 2);
                }
            });
            Collation.create(c, "reverse", new Collation() {
                @Override
                protected int xCompare(String a, String b) {
                    return b.compareTo(a);
                }
            });
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE w(v TEXT)");
                s.execute("INSERT INTO w VALUES ('a'), ('c'), ('b')");
                try (ResultSet rs = s.executeQuery("SELECT twice(21)")) {
                    rs.next();
                    assertEquals(42, rs.getInt(1));
                }
                try (ResultSet rs = s.executeQuery("SELECT group_concat(v, '') FROM (SELECT v FROM w ORDER BY v COLLATE reverse)")) {
                    rs.next();
                    assertEquals("cba", rs.getString(1));
                }
            }
        }
    }

    @Test
    void functionsRegisterThroughAPoolByUnwrapping(TestPageServer server) throws SQLException {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(server.freshJdbcUrl("compat"));
        cfg.setDriverClassName("io.dosqlite.jdbc.DosqliteDriver");
        cfg.setPassword(TestPageServer.TOKEN);
        cfg.setMaximumPoolSize(1);
        try (HikariDataSource ds = new HikariDataSource(cfg); Connection c = ds.getConnection()) {
            Function.create(c.unwrap(SQLiteConnection.class), "plus_one", new Function() {
                @Override
                protected void xFunc() throws SQLException {
                    result(value_int(0) + 1);
                }
            });
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT plus_one(41)")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    @Test
    void foreignKeysOnInTheUrlAreEnforced(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat") + "?foreign_keys=on&busy_timeout=2000");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE parent(id INTEGER PRIMARY KEY)");
            s.execute("CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id))");
            SQLiteException e = assertThrows(SQLiteException.class, () -> s.execute("INSERT INTO child VALUES (1, 99)"));
            assertEquals(SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY, e.getResultCode());
            assertEquals(2000, ((SQLiteConnection) c).getBusyTimeout());
        }
    }

    @Test
    void dateClassTextStoresDatesAsText(TestPageServer server) throws SQLException {
        try (Connection c = TestPageServer.connect(server.freshJdbcUrl("compat") + "?date_class=TEXT");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE d(v)");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO d VALUES (?)")) {
                p.setDate(1, Date.valueOf("2024-05-06"));
                p.executeUpdate();
            }
            try (ResultSet rs = s.executeQuery("SELECT typeof(v), v FROM d")) {
                rs.next();
                assertEquals("text", rs.getString(1));
                assertTrue(rs.getString(2).startsWith("2024-05-06"), rs.getString(2));
            }
        }
    }

    @Test
    void walIsRefusedBeforeAnythingIsOpened(TestPageServer server) {
        SQLException e = assertThrows(SQLException.class,
                () -> TestPageServer.connect(server.freshJdbcUrl("compat") + "?journal_mode=WAL"));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("journal_mode=WAL is not supported by dosqlite"), e.getMessage());
    }
}
