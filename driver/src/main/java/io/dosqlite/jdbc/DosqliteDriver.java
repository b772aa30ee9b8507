package io.dosqlite.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Properties;
import java.util.logging.Logger;
import io.dosqlite.remote.RemoteSession;
import io.dosqlite.vfs.DosqliteVfs;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;

/**
 * The {@code jdbc:dosqlite:} driver: SQLite in this JVM (sqlite-jdbc), its pages in a Durable
 * Object reached over HTTP.
 *
 * <pre>{@code
 * Properties p = new Properties();
 * p.setProperty("token", System.getenv().getOrDefault("DOSQLITE_TOKEN", "dev-token"));
 * try (Connection c = DriverManager.getConnection("jdbc:dosqlite:http://127.0.0.1:8787/mydb", p)) { ... }
 * }</pre>
 *
 * Properties are listed in {@link DosqliteProperty}. Connections to the same database in one JVM
 * share one page cache and one lock table.
 */
public final class DosqliteDriver implements Driver {
    /** Parent of every logger the driver uses; configure it with java.util.logging. */
    public static final String LOGGER_NAME = "io.dosqlite";
    static final int MAJOR_VERSION = 0;
    static final int MINOR_VERSION = 1;

    static {
        try {
            DriverManager.registerDriver(new DosqliteDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null; // the JDBC contract: let DriverManager ask the next driver
        }
        ConnectionSettings settings = ConnectionSettings.parse(url, info, System::getenv);
        Database database = Database.acquire(settings);
        RemoteSession session = database.store().newSession();
        if (!settings.flag(DosqliteProperty.SYNCHRONOUS_COMMIT)) {
            session.queueCommits(settings.number(DosqliteProperty.MAX_UNACKNOWLEDGED_COMMITS));
        }
        try {
            SQLiteConnection sqlite = (SQLiteConnection) database.vfs().open(session,
                    sqliteProperties(settings, database));
            return new JdbcConnection(sqlite, database, session,
                    (int) settings.seconds(DosqliteProperty.READ_TIMEOUT).toMillis(),
                    settings.flag(DosqliteProperty.OPTIMISTIC_WRITES), settings.number(DosqliteProperty.AUTOCOMMIT_RETRIES));
        } catch (SQLException e) {
            database.release();
            throw SqlErrors.translate(e, session.takeError());
        } catch (RuntimeException e) {
            database.release();
            throw e;
        }
    }

    private static Properties sqliteProperties(ConnectionSettings settings, Database database) {
        // sqlite-jdbc's own properties the user gave (foreign_keys, date_class, ...) on top of what
        // the VFS needs; the open mode and extension loading stay the VFS's, the settings dosqlite
        // owns (busy timeout, page size, read-only) are set below.
        Properties vfs = DosqliteVfs.connectionProperties();
        Properties given = new Properties();
        given.putAll(vfs);
        given.putAll(settings.sqliteJdbcProperties());
        for (SQLiteConfig.Pragma owned : new SQLiteConfig.Pragma[] {SQLiteConfig.Pragma.OPEN_MODE,
                SQLiteConfig.Pragma.LOAD_EXTENSION}) {
            given.setProperty(owned.pragmaName, vfs.getProperty(owned.pragmaName));
        }
        SQLiteConfig config = new SQLiteConfig(given);
        config.setBusyTimeout(settings.number(DosqliteProperty.BUSY_TIMEOUT));
        // SQLite fixes the page size when it writes the first page; on a database that has pages
        // this pragma does nothing (only VACUUM could change it).
        config.setPageSize(settings.number(DosqliteProperty.PAGE_SIZE));
        if (settings.flag(DosqliteProperty.READ_ONLY) || settings.readsThePast()) {
            config.setReadOnly(true);
        }
        return config.toProperties();
    }

    @Override
    public boolean acceptsURL(String url) {
        return ConnectionSettings.accepts(url);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        Properties given = info == null ? new Properties() : info;
        DosqliteProperty[] all = DosqliteProperty.values();
        DriverPropertyInfo[] result = new DriverPropertyInfo[all.length];
        for (int i = 0; i < all.length; i++) {
            result[i] = all[i].toDriverPropertyInfo(given);
        }
        return result;
    }

    @Override
    public int getMajorVersion() {
        return MAJOR_VERSION;
    }

    @Override
    public int getMinorVersion() {
        return MINOR_VERSION;
    }

    /** Not JDBC compliant: SQLite's SQL dialect is not full SQL-92 Entry Level. */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger(LOGGER_NAME);
    }
}
