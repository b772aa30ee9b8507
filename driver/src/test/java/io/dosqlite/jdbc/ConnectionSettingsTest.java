package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionSettingsTest {
    private static final Map<String, String> NO_ENV = Map.of();

    private static ConnectionSettings parse(String url) throws SQLException {
        return ConnectionSettings.parse(url, new Properties(), NO_ENV::get);
    }

    @Test
    void splitsServerAndDatabase() throws SQLException {
        ConnectionSettings s = parse("jdbc:dosqlite:http://127.0.0.1:8787/mydb");
        assertEquals("http://127.0.0.1:8787", s.serverUrl());
        assertEquals("mydb", s.database());
        assertEquals(4096, s.number(DosqliteProperty.PAGE_SIZE));
        assertTrue(s.flag(DosqliteProperty.CREATE));
        assertEquals(64L << 20, s.bytes(DosqliteProperty.CACHE_SIZE));
    }

    @Test
    void asOfMakesAReadOnlyConnectionToThePastWithItsOwnStore() throws Exception {
        ConnectionSettings present = parse("jdbc:dosqlite:http://h/db");
        ConnectionSettings past = parse("jdbc:dosqlite:http://h/db?asOf=2026-12-01T10:00:00Z");
        assertTrue(past.readsThePast());
        assertTrue(past.remoteConfig().readOnly(), "asOf is read-only");
        assertFalse(past.remoteConfig().leases(), "one fixed version needs no lease");
        assertEquals(java.time.Instant.parse("2026-12-01T10:00:00Z"), past.remoteConfig().asOf());
        assertNotEquals(present.databaseKey(), past.databaseKey(), "the past has its own cache");
        assertEquals(123, parse("jdbc:dosqlite:http://h/db?asOfVersion=123").remoteConfig().asOfVersion());
        assertEquals(java.time.Instant.parse("2026-12-01T12:00:00Z"),
                parse("jdbc:dosqlite:http://h/db?asOf=2026-12-01T13:00:00%2B01:00").remoteConfig().asOf());

        SQLException bad = assertThrows(SQLException.class, () -> parse("jdbc:dosqlite:http://h/db?asOf=yesterday"));
        assertEquals("08001", bad.getSQLState());
        assertTrue(bad.getMessage().contains("ISO-8601"), bad.getMessage());
        SQLException negative = assertThrows(SQLException.class, () -> parse("jdbc:dosqlite:http://h/db?asOfVersion=-1"));
        assertEquals("08001", negative.getSQLState());
        io.dosqlite.vfs.PageStoreException both = assertThrows(io.dosqlite.vfs.PageStoreException.class,
                () -> parse("jdbc:dosqlite:http://h/db?asOf=2026-12-01T10:00:00Z&asOfVersion=3").remoteConfig());
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
    }

    @Test
    void compressesByDefaultOnlyForAPageServerOnAnotherMachine() throws Exception {
        assertFalse(parse("jdbc:dosqlite:http://127.0.0.1:8787/db").remoteConfig().compress(), "loopback: bytes are free");
        assertFalse(parse("jdbc:dosqlite:http://localhost:8787/db").remoteConfig().compress());
        assertFalse(parse("jdbc:dosqlite:http://[::1]:8787/db").remoteConfig().compress());
        assertTrue(parse("jdbc:dosqlite:https://pages.example.workers.dev/db").remoteConfig().compress());
        assertTrue(parse("jdbc:dosqlite:http://10.0.0.7:8787/db").remoteConfig().compress(), "another machine");
        assertTrue(parse("jdbc:dosqlite:http://127.0.0.1:8787/db?compress=true").remoteConfig().compress());
        assertFalse(parse("jdbc:dosqlite:https://pages.example.workers.dev/db?compress=false").remoteConfig().compress());
        SQLException bad = assertThrows(SQLException.class, () -> parse("jdbc:dosqlite:http://h/db?compress=maybe"));
        assertEquals("08001", bad.getSQLState());
    }

    @Test
    void keepsAPathPrefixForServersBehindARouter() throws SQLException {
        ConnectionSettings s = parse("jdbc:dosqlite:https://pages.example.com/tenant-a/db/orders.v2/");
        assertEquals("https://pages.example.com/tenant-a/db", s.serverUrl());
        assertEquals("orders.v2", s.database());
    }

    @Test
    void propertiesWinOverUrlWhichWinsOverEnvironment() throws SQLException {
        Properties p = new Properties();
        p.setProperty("cacheSize", "2GB");
        ConnectionSettings s = ConnectionSettings.parse(
                "jdbc:dosqlite:http://h/db?cacheSize=10MB&token=from-url&readTimeout=7", p,
                Map.of("DOSQLITE_TOKEN", "from-env")::get);
        assertEquals(2L << 30, s.bytes(DosqliteProperty.CACHE_SIZE));
        assertEquals("from-url", s.text(DosqliteProperty.TOKEN));
        assertEquals(Duration.ofSeconds(7), s.seconds(DosqliteProperty.READ_TIMEOUT));
        assertEquals("from-env", ConnectionSettings.parse("jdbc:dosqlite:http://h/db", null,
                Map.of("DOSQLITE_TOKEN", "from-env")::get).text(DosqliteProperty.TOKEN));
    }

    @Test
    void passwordIsTheTokenAndUserIsIgnored() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "someone");
        p.setProperty("password", "s3cret");
        assertEquals("s3cret", ConnectionSettings.parse("jdbc:dosqlite:http://h/db", p, NO_ENV::get).text(DosqliteProperty.TOKEN));
    }

    @Test
    void propertyNamesIgnoreCaseAndValuesAreUrlDecoded() throws SQLException {
        ConnectionSettings s = parse("jdbc:dosqlite:http://h/db?TOKEN=a%2Bb%3D&PageSize=512");
        assertEquals("a+b=", s.text(DosqliteProperty.TOKEN));
        assertEquals(512, s.number(DosqliteProperty.PAGE_SIZE));
    }

    @Test
    void differentTokensDoNotShareAHandle() throws SQLException {
        assertNotEquals(parse("jdbc:dosqlite:http://h/db?token=a").databaseKey(),
                parse("jdbc:dosqlite:http://h/db?token=b").databaseKey());
        assertEquals(parse("jdbc:dosqlite:http://h/db?token=a").databaseKey(),
                parse("jdbc:dosqlite:http://h/db?token=a&cacheSize=1MB").databaseKey());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "jdbc:dosqlite:",
        "jdbc:dosqlite:ftp://h/db",
        "jdbc:dosqlite://h/db",
        "jdbc:dosqlite:http:///db",
        "jdbc:dosqlite:http://h",
        "jdbc:dosqlite:http://h/",
        "jdbc:dosqlite:http://h/-starts-with-dash",
        "jdbc:dosqlite:http://h/has space",
        "jdbc:dosqlite:http://h/db?nosuch=1",
        "jdbc:dosqlite:http://h/db?pageSize=1000",
        "jdbc:dosqlite:http://h/db?pageSize=256",
        "jdbc:dosqlite:http://h/db?pageSize=131072",
        "jdbc:dosqlite:http://h/db?cacheSize=lots",
        "jdbc:dosqlite:http://h/db?create=maybe",
        "jdbc:dosqlite:http://h/db?readTimeout=0",
        "jdbc:dosqlite:http://h/db?novalue",
        "jdbc:dosqlite:http://user:pw@h/db",
        "jdbc:dosqlite:http://h/db#frag",
        "jdbc:dosqlite:http://h/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    })
    void badUrlsAreRejectedWithSqlState08001(String url) {
        SQLException e = assertThrows(SQLException.class, () -> parse(url));
        assertEquals("08001", e.getSQLState());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void unknownPropertyNamesTheKnownOnes() {
        Properties p = new Properties();
        p.setProperty("cachesize_mb", "1");
        SQLException e = assertThrows(SQLException.class,
                () -> ConnectionSettings.parse("jdbc:dosqlite:http://h/db", p, NO_ENV::get));
        assertTrue(e.getMessage().contains("cachesize_mb"), e.getMessage());
        assertTrue(e.getMessage().contains("cacheSize"), e.getMessage());
    }

    @Test
    void driverAcceptsOnlyItsPrefixAndListsEveryProperty() throws SQLException {
        DosqliteDriver driver = new DosqliteDriver();
        assertTrue(driver.acceptsURL("jdbc:dosqlite:http://h/db"));
        assertTrue(driver.acceptsURL("JDBC:DOSQLITE:http://h/db"));
        assertFalse(driver.acceptsURL("jdbc:sqlite:foo.db"));
        assertNull(driver.connect("jdbc:sqlite:foo.db", new Properties()));
        DriverPropertyInfo[] info = driver.getPropertyInfo("jdbc:dosqlite:http://h/db", null);
        assertEquals(DosqliteProperty.values().length, info.length);
        for (DriverPropertyInfo i : info) {
            assertFalse(i.description == null || i.description.isBlank(), i.name);
        }
        assertEquals("io.dosqlite", driver.getParentLogger().getName());
    }
}
