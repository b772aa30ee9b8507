package io.dosqlite.it.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flyway migrations on a dosqlite database. Flyway recognises databases by JDBC URL prefix, so
 * it must be given a DataSource (it then detects "SQLite" from the connection's metadata); given
 * only the {@code jdbc:dosqlite:} URL it gives up. Both are checked.
 */
@ExtendWith(PerRunPageServer.class)
class FlywayMigrationTest {

    private static HikariDataSource dataSource(String url) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setDriverClassName("io.dosqlite.jdbc.DosqliteDriver");
        cfg.setPassword(TestPageServer.TOKEN);
        cfg.setMaximumPoolSize(2);
        return new HikariDataSource(cfg);
    }

    private static void write(Path dir, String name, String sql) throws Exception {
        Files.writeString(dir.resolve(name), sql);
    }

    @Test
    void migratesThroughADataSource(TestPageServer server, @TempDir Path migrations) throws Exception {
        write(migrations, "V1__create_account.sql",
                "CREATE TABLE account(id INTEGER PRIMARY KEY, owner TEXT NOT NULL);\n"
                        + "CREATE INDEX account_owner ON account(owner);\n");
        write(migrations, "V2__add_balance.sql",
                "ALTER TABLE account ADD COLUMN balance INTEGER NOT NULL DEFAULT 0;\n"
                        + "INSERT INTO account(owner, balance) VALUES ('ada', 100), ('bob', 50);\n");
        String url = server.freshJdbcUrl("flyway");
        try (HikariDataSource ds = dataSource(url)) {
            Flyway flyway = Flyway.configure().dataSource(ds).locations("filesystem:" + migrations).load();
            MigrateResult r = flyway.migrate();
            assertTrue(r.success);
            assertEquals(2, r.migrationsExecuted);
            assertEquals("2", r.targetSchemaVersion);
            assertTrue(String.valueOf(r.databaseType).contains("SQLite") || String.valueOf(r.database).length() > 0,
                    "detected as SQLite: " + r.databaseType);
            assertEquals("2", flyway.info().current().getVersion().getVersion());

            // idempotent: nothing left to do
            assertEquals(0, flyway.migrate().migrationsExecuted);

            // a third migration later, as a deploy would add it
            write(migrations, "V3__audit.sql", "CREATE TABLE audit(at TEXT DEFAULT (datetime('now')), what TEXT);\n");
            assertEquals(1, flyway.migrate().migrationsExecuted);
            assertEquals(0, flyway.validateWithResult().invalidMigrations.size());
        }
        // everything, history included, is on the page server
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT sum(balance), count(*) FROM account")) {
                rs.next();
                assertEquals(150, rs.getInt(1));
                assertEquals(2, rs.getInt(2));
            }
            try (ResultSet rs = s.executeQuery(
                    "SELECT count(*), min(success) FROM flyway_schema_history WHERE version IS NOT NULL")) {
                rs.next();
                assertEquals(3, rs.getInt(1));
                assertEquals(1, rs.getInt(2));
            }
        }
    }

    @Test
    void aFailedMigrationLeavesNoHalfApplyingChange(TestPageServer server, @TempDir Path migrations) throws Exception {
        write(migrations, "V1__ok.sql", "CREATE TABLE t(x INTEGER NOT NULL);\n");
        write(migrations, "V2__broken.sql", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (NULL);\n");
        String url = server.freshJdbcUrl("flyway-fail");
        try (HikariDataSource ds = dataSource(url)) {
            Flyway flyway = Flyway.configure().dataSource(ds).locations("filesystem:" + migrations).load();
            assertThrows(FlywayException.class, flyway::migrate);
        }
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "V2 ran in one transaction: its first INSERT was rolled back too");
        }
    }

    @Test
    void urlAloneIsNotEnough(TestPageServer server, @TempDir Path migrations) throws Exception {
        write(migrations, "V1__t.sql", "CREATE TABLE t(x);\n");
        String url = server.freshJdbcUrl("flyway-url");
        FlywayException e = assertThrows(FlywayException.class, () -> Flyway.configure()
                .dataSource(url, "", TestPageServer.TOKEN).locations("filesystem:" + migrations).load().migrate());
        // Flyway 13: "No Flyway database plugin found to handle jdbc:dosqlite:..."; older: "No database found to handle ..."
        assertTrue(e.getMessage().contains("found to handle"),
                "Flyway says it cannot handle the URL: " + e.getMessage());
    }
}
