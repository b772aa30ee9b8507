package io.dosqlite.it.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteDriver;
import io.dosqlite.jdbc.DosqliteProperty;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What DBeaver (and other GUI tools) ask a driver: the property list for the connection dialog,
 * then DatabaseMetaData for the navigator and the ER diagram, on a real dosqlite connection.
 */
@ExtendWith(PerRunPageServer.class)
class DbeaverMetadataTest {
    private static String url;

    @BeforeAll
    static void schema(TestPageServer server) throws SQLException {
        url = server.freshJdbcUrl("dbeaver");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customer(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT)");
            s.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),"
                    + " total REAL DEFAULT 0, placed TEXT)");
            s.execute("CREATE INDEX orders_by_customer ON orders(customer_id, placed)");
            s.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100");
            s.execute("INSERT INTO customer(email, name) VALUES ('a@example.com', 'Ada')");
        }
    }

    @Test
    void driverListsEveryPropertyWithADescription() throws SQLException {
        Driver d = DriverManager.getDriver(url);
        assertTrue(d instanceof DosqliteDriver, "DriverManager finds the driver through META-INF/services");
        DriverPropertyInfo[] info = d.getPropertyInfo(url, new Properties());
        Set<String> names = Arrays.stream(info).map(i -> i.name).collect(Collectors.toSet());
        Set<String> expected = Arrays.stream(DosqliteProperty.values()).map(DosqliteProperty::propertyName)
                .collect(Collectors.toSet());
        assertEquals(expected, names);
        assertEquals(DosqliteProperty.values().length, info.length, "no property listed twice");
        for (DriverPropertyInfo i : info) {
            assertNotNull(i.description, i.name);
            assertTrue(i.description.length() > 15, "a real description for " + i.name + ": " + i.description);
            assertFalse(i.required, i.name + ": DBeaver would refuse to connect without it");
        }
        // DBeaver's "password" field ends up as property 'password', the alias of token
        assertTrue(names.contains("password") && names.contains("token"));
        // defaults are shown, and what the user typed comes back
        DriverPropertyInfo pageSize = byName(info, "pageSize");
        assertEquals("4096", pageSize.value);
        assertTrue(Arrays.asList(pageSize.choices).contains("65536"));
        Properties given = new Properties();
        given.setProperty("cacheSize", "128MB");
        assertEquals("128MB", byName(d.getPropertyInfo(url, given), "cacheSize").value);
        assertTrue(d.acceptsURL("jdbc:dosqlite:http://127.0.0.1:8787/x"));
        assertFalse(d.acceptsURL("jdbc:sqlite:x.db"));
    }

    private static DriverPropertyInfo byName(DriverPropertyInfo[] info, String name) {
        return Arrays.stream(info).filter(i -> i.name.equals(name)).findFirst().orElseThrow();
    }

    @Test
    void metadataAnswersTheNavigator() throws SQLException {
        Properties p = new Properties();
        p.setProperty("password", TestPageServer.TOKEN); // as DBeaver sends it
        p.setProperty("user", "");
        try (Connection c = DriverManager.getConnection(url, p)) {
            DatabaseMetaData md = c.getMetaData();
            assertEquals("SQLite", md.getDatabaseProductName());
            assertNotNull(md.getDatabaseProductVersion());
            assertNotNull(md.getDriverName());
            assertNotNull(md.getIdentifierQuoteString());

            Set<String> tables = names(md.getTables(null, null, "%", new String[] {"TABLE"}), "TABLE_NAME");
            assertTrue(tables.containsAll(Set.of("customer", "orders")), tables.toString());
            Set<String> views = names(md.getTables(null, null, "%", new String[] {"VIEW"}), "TABLE_NAME");
            assertTrue(views.contains("big_orders"), views.toString());

            List<String> cols = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, null, "orders", "%")) {
                while (rs.next()) {
                    cols.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("NULLABLE"));
                }
            }
            assertEquals(List.of("id:INTEGER:1", "customer_id:INTEGER:0", "total:REAL:1", "placed:TEXT:1"), cols);

            try (ResultSet rs = md.getPrimaryKeys(null, null, "customer")) {
                assertTrue(rs.next());
                assertEquals("id", rs.getString("COLUMN_NAME"));
                assertFalse(rs.next());
            }

            Set<String> indexes = names(md.getIndexInfo(null, null, "orders", false, false), "INDEX_NAME");
            assertTrue(indexes.contains("orders_by_customer"), indexes.toString());
            Set<String> unique = names(md.getIndexInfo(null, null, "customer", true, false), "INDEX_NAME");
            assertFalse(unique.isEmpty(), "the UNIQUE(email) index is listed");

            try (ResultSet rs = md.getImportedKeys(null, null, "orders")) {
                assertTrue(rs.next(), "orders.customer_id references customer");
                assertEquals("customer", rs.getString("PKTABLE_NAME"));
                assertEquals("id", rs.getString("PKCOLUMN_NAME"));
                assertEquals("orders", rs.getString("FKTABLE_NAME"));
                assertEquals("customer_id", rs.getString("FKCOLUMN_NAME"));
            }
            try (ResultSet rs = md.getExportedKeys(null, null, "customer")) {
                assertTrue(rs.next());
                assertEquals("orders", rs.getString("FKTABLE_NAME"));
            }
            assertFalse(names(md.getTableTypes(), "TABLE_TYPE").isEmpty());
            assertFalse(names(md.getTypeInfo(), "TYPE_NAME").isEmpty());
            // the data viewer
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM customer")) {
                assertEquals(3, rs.getMetaData().getColumnCount());
                assertTrue(rs.next());
                assertEquals("Ada", rs.getString("name"));
            }
        }
    }

    private static Set<String> names(ResultSet rs, String column) throws SQLException {
        Set<String> out = new HashSet<>();
        try (rs) {
            while (rs.next()) {
                String v = rs.getString(column);
                if (v != null) {
                    out.add(v);
                }
            }
        }
        return out;
    }
}
