package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/** Someone moving from jdbc:sqlite: keeps their connection properties, or learns why one cannot apply. */
class SqliteJdbcPropertiesTest {
    private static final String URL = "jdbc:dosqlite:http://127.0.0.1:8787/db";

    private static ConnectionSettings parse(String url, Properties p) throws SQLException {
        return ConnectionSettings.parse(url, p, Map.<String, String>of()::get);
    }

    @Test
    void foreignKeysInTheUrlReachSqliteJdbc() throws SQLException {
        ConnectionSettings s = parse(URL + "?foreign_keys=on&date_class=TEXT", null);
        assertEquals("on", s.sqliteJdbcProperties().get("foreign_keys"));
        assertEquals("TEXT", s.sqliteJdbcProperties().get("date_class"));
    }

    @Test
    void everyPropertyOfADefaultSqliteConfigIsAccepted() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.enforceForeignKeys(true);
        config.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
        config.setDateClass("TEXT");
        config.setBusyTimeout(1234);
        config.setJournalMode(SQLiteConfig.JournalMode.TRUNCATE);
        config.setCacheSize(2000);
        ConnectionSettings s = parse(URL, config.toProperties());
        assertEquals(1234, s.number(DosqliteProperty.BUSY_TIMEOUT), "busy_timeout is dosqlite's busyTimeout");
        assertEquals("true", s.sqliteJdbcProperties().get("foreign_keys"));
        assertEquals("OFF", s.sqliteJdbcProperties().get("synchronous"));
        assertEquals("TRUNCATE", s.sqliteJdbcProperties().get("journal_mode"));
        assertFalse(s.flag(DosqliteProperty.READ_ONLY));
        assertTrue(s.flag(DosqliteProperty.CREATE));
    }

    @Test
    void aReadOnlySqliteConfigOpensReadOnly() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        assertTrue(parse(URL, config.toProperties()).flag(DosqliteProperty.READ_ONLY));
    }

    @Test
    void readWriteWithoutCreateMeansTheDatabaseMustExist() throws SQLException {
        Properties p = new Properties();
        p.setProperty("open_mode", String.valueOf(SQLiteOpenMode.READWRITE.flag));
        assertFalse(parse(URL, p).flag(DosqliteProperty.CREATE));
    }

    @Test
    void pageSizeUnderSqliteJdbcsNameIsDosqlitesPageSize() throws SQLException {
        assertEquals(8192, parse(URL + "?page_size=8192", null).number(DosqliteProperty.PAGE_SIZE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal_mode=WAL", "journal_mode=off", "locking_mode=EXCLUSIVE", "shared_cache=true",
            "enable_load_extension=true", "mmap_size=268435456", "hexkey_mode=SSE", "open_mode=14"})
    void propertiesForLocalFilesAreRefusedWithTheReason(String property) {
        SQLException e = assertThrows(SQLException.class, () -> parse(URL + "?" + property, null));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("not supported by dosqlite: "), e.getMessage());
        assertTrue(e.getMessage().contains(property.substring(0, property.indexOf('='))), e.getMessage());
    }

    @Test
    void aNameNeitherDosqlitesNorSqliteJdbcsIsStillUnknown() {
        SQLException e = assertThrows(SQLException.class, () -> parse(URL + "?foreign_key=on", null));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().startsWith("Unknown dosqlite property 'foreign_key'"), e.getMessage());
    }

    @Test
    void passwordStaysTheToken() throws SQLException {
        Properties p = new Properties();
        p.setProperty("password", "secret");
        ConnectionSettings s = parse(URL, p);
        assertEquals("secret", s.text(DosqliteProperty.TOKEN));
        assertFalse(s.sqliteJdbcProperties().containsKey("password"));
    }
}
