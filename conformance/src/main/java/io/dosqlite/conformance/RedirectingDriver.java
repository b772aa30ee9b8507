package io.dosqlite.conformance;

import io.dosqlite.jdbc.DosqliteDriver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.sqlite.SQLiteConfig;

/**
 * A driver registered ahead of sqlite-jdbc's that takes {@code jdbc:sqlite:} URLs and opens a
 * dosqlite database on the harness's page server instead, so that sqlite-jdbc's suite runs
 * unchanged on dosqlite. A file named by the URL maps to one database per test (reopening the
 * same file in a test reaches the same database); an in-memory URL gets a database of its own per
 * connection, except a shared-cache one, which is shared like the file it names. sqlite-jdbc's
 * properties in the URL's query ({@code ?foreign_keys=on}) are handed over as properties, as
 * sqlite-jdbc itself does; other query parameters are SQLite URI parameters of a local file and
 * are dropped.
 */
public final class RedirectingDriver implements Driver {
    static final String PREFIX = "jdbc:sqlite:";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final AtomicLong MEMORY = new AtomicLong();
    private static volatile String scope = "start";

    private final String serverUrl;
    private final String token;
    private final DosqliteDriver dosqlite = new DosqliteDriver();

    private RedirectingDriver(String serverUrl, String token) {
        this.serverUrl = serverUrl;
        this.token = token;
    }

    /**
     * Puts this driver in front of sqlite-jdbc's in DriverManager: DriverManager asks drivers in
     * the order they were registered, so sqlite-jdbc's is registered again after this one.
     */
    static void install(String serverUrl, String token) throws SQLException {
        DriverManager.getDrivers(); // loads sqlite-jdbc through META-INF/services first
        List<Driver> sqlite = new ArrayList<>();
        for (Driver d : DriverManager.drivers().toList()) {
            if (d.getClass().getName().equals("org.sqlite.JDBC")) {
                sqlite.add(d);
                DriverManager.deregisterDriver(d);
            }
        }
        DriverManager.registerDriver(new RedirectingDriver(serverUrl, token));
        for (Driver d : sqlite) {
            DriverManager.registerDriver(d);
        }
    }

    /** The test (or class) now running: files it names map to databases of its own. */
    static void scope(String id) {
        scope = id;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        String rest = url.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String file = q < 0 ? rest : rest.substring(0, q);
        String query = q < 0 ? "" : rest.substring(q + 1);
        Properties p = new Properties();
        boolean memoryMode = false;
        boolean sharedCache = false;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            memoryMode |= name.equals("mode") && value.equals("memory");
            sharedCache |= name.equals("cache") && value.equals("shared");
            if (isSqliteJdbcProperty(name)) { // an empty value too: sqlite-jdbc refuses it, so must dosqlite
                p.setProperty(name, value);
            }
        }
        if (info != null) {
            p.putAll(info);
        }
        p.setProperty("token", token);
        String path = file.startsWith("file:") ? file.substring("file:".length()) : file;
        boolean memory = path.isEmpty() || path.equals(":memory:") || memoryMode;
        String key = memory && !sharedCache ? "memory-" + MEMORY.incrementAndGet() : scope + "|" + path;
        return dosqlite.connect("jdbc:dosqlite:" + serverUrl + "/" + databaseName(key), p);
    }

    private static boolean isSqliteJdbcProperty(String name) {
        for (SQLiteConfig.Pragma pragma : SQLiteConfig.Pragma.values()) {
            if (pragma.pragmaName.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** A valid dosqlite database name, fresh for this run of the harness. */
    private static String databaseName(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "c" + RUN + "-" + HexFormat.of().formatHex(h, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        return dosqlite.getPropertyInfo(url, info);
    }

    @Override
    public int getMajorVersion() {
        return dosqlite.getMajorVersion();
    }

    @Override
    public int getMinorVersion() {
        return dosqlite.getMinorVersion();
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return dosqlite.getParentLogger();
    }
}
