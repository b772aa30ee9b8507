package io.dosqlite.jdbc;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.sqlite.SQLiteConfig;

/**
 * A parsed {@code jdbc:dosqlite:} URL plus the properties that apply to it, validated: the one URL
 * parser of the project (the CLI uses it too). Immutable. Every problem is an {@link SQLException}
 * with SQLState 08001 and a message naming the bad part.
 */
public final class ConnectionSettings {
    static final String PREFIX = "jdbc:dosqlite:";
    static final String URL_FORM = "jdbc:dosqlite:http[s]://HOST[:PORT][/PATH]/DATABASE[?name=value&...]";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final String BAD_URL = SqlState.BAD_URL.code();

    private final String serverUrl;
    private final String database;
    private final Map<DosqliteProperty, String> values;
    private final Map<DosqliteProperty, Object> parsed = new EnumMap<>(DosqliteProperty.class);
    /** sqlite-jdbc's own properties that apply as they are ({@link SqliteJdbcProperties}). */
    private final Map<String, String> sqliteJdbc;

    private ConnectionSettings(String serverUrl, String database, Map<DosqliteProperty, String> values,
                               Map<String, String> sqliteJdbc) {
        this.serverUrl = serverUrl;
        this.database = database;
        this.values = values;
        this.sqliteJdbc = sqliteJdbc;
    }

    static boolean accepts(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * Parses {@code url} and merges {@code info}, which wins over the URL, which wins over the
     * environment variables named in {@link DosqliteProperty}.
     */
    public static ConnectionSettings parse(String url, Properties info) throws SQLException {
        return parse(url, info, System::getenv);
    }

    /** {@link #parse(String, Properties)} with the environment given (tests). */
    static ConnectionSettings parse(String url, Properties info, Function<String, String> environment)
            throws SQLException {
        if (!accepts(url)) {
            throw new SQLException("Not a dosqlite URL: '" + url + "'. Expected " + URL_FORM, BAD_URL);
        }
        URI uri;
        try {
            uri = new URI(url.substring(PREFIX.length()));
        } catch (URISyntaxException e) {
            throw new SQLException("Malformed dosqlite URL '" + url + "': " + e.getMessage()
                    + ". Expected " + URL_FORM, BAD_URL, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SQLException("dosqlite URL must name an http or https page server (http://HOST or https://HOST), got '" + url
                    + "'. Expected " + URL_FORM, BAD_URL);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new SQLException("dosqlite URL '" + url + "' has no host. Expected " + URL_FORM, BAD_URL);
        }
        if (uri.getRawUserInfo() != null) {
            throw new SQLException("Put the token in the 'token' property or DOSQLITE_TOKEN, not in the"
                    + " URL's user-info part", BAD_URL);
        }
        if (uri.getRawFragment() != null) {
            throw new SQLException("dosqlite URL '" + url + "' must not have a #fragment", BAD_URL);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int slash = path.lastIndexOf('/');
        String database = slash < 0 ? "" : path.substring(slash + 1);
        if (database.isEmpty()) {
            throw new SQLException("dosqlite URL '" + url + "' names no database: add /DATABASE after the"
                    + " server address, e.g. jdbc:dosqlite:http://127.0.0.1:8787/mydb", BAD_URL);
        }
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new SQLException("Invalid database name '" + database + "': use 1-63 letters, digits,"
                    + " '.', '_' or '-', starting with a letter or digit", BAD_URL);
        }
        String base = scheme + "://" + uri.getRawAuthority() + path.substring(0, slash);

        Map<DosqliteProperty, String> values = new EnumMap<>(DosqliteProperty.class);
        Map<String, String> sqliteJdbc = new LinkedHashMap<>();
        for (DosqliteProperty p : DosqliteProperty.values()) {
            if (p.environmentVariable() != null && environment.apply(p.environmentVariable()) != null) {
                values.put(p, environment.apply(p.environmentVariable()));
            }
        }
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new SQLException("Malformed URL parameter '" + pair + "': use name=value", BAD_URL);
                }
                put(values, sqliteJdbc, decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        if (info != null) {
            for (String name : info.stringPropertyNames()) {
                put(values, sqliteJdbc, name, info.getProperty(name));
            }
        }
        ConnectionSettings settings = new ConnectionSettings(base, database, values, sqliteJdbc);
        settings.validate();
        return settings;
    }

    private static void put(Map<DosqliteProperty, String> values, Map<String, String> sqliteJdbc, String name,
                            String value) throws SQLException {
        DosqliteProperty p = DosqliteProperty.forName(name);
        if (p == null) {
            SQLiteConfig.Pragma pragma = SqliteJdbcProperties.forName(name);
            if (pragma == null) {
                throw new SQLException("Unknown dosqlite property '" + name + "'. Known properties: "
                        + knownNames() + ", and sqlite-jdbc's (SQLiteConfig.Pragma: foreign_keys, date_class, ...)",
                        BAD_URL);
            }
            SqliteJdbcProperties.put(pragma, value, values, sqliteJdbc);
            return;
        }
        if (p == DosqliteProperty.PASSWORD) {
            // A password field is how GUI tools and pools hand over a secret: it is the token.
            if (value != null && !value.isEmpty()) {
                values.put(DosqliteProperty.TOKEN, value);
            }
            return;
        }
        values.put(p, value);
    }

    private static String knownNames() {
        StringBuilder sb = new StringBuilder();
        for (DosqliteProperty p : DosqliteProperty.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.propertyName());
        }
        return sb.toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Checks every value against its property's type, so nothing fails later. */
    private void validate() throws SQLException {
        for (DosqliteProperty p : DosqliteProperty.values()) {
            String raw = get(p);
            if (raw == null) {
                continue;
            }
            try {
                parsed.put(p, p.type().parse(raw));
            } catch (RuntimeException e) {
                throw new SQLException("Invalid value '" + raw + "' for dosqlite property '" + p.propertyName()
                        + "': expected " + p.type().expected(), BAD_URL);
            }
        }
    }

    /** The page server's base URL (scheme, authority and any path before the database name). */
    public String serverUrl() {
        return serverUrl;
    }

    /** The database name. */
    public String database() {
        return database;
    }

    /** The raw value of a property after URL, Properties and environment were merged; may be null. */
    String get(DosqliteProperty p) {
        return values.getOrDefault(p, p.defaultValue());
    }

    /**
     * sqlite-jdbc's own properties given for this connection that sqlite-jdbc applies as they are
     * (foreign_keys, date_class, ...), by sqlite-jdbc's name.
     */
    Map<String, String> sqliteJdbcProperties() {
        return Collections.unmodifiableMap(sqliteJdbc);
    }

    /** A text property; null if not given and without default. */
    String text(DosqliteProperty p) {
        return (String) parsed.get(p);
    }

    /** Whether this connection reads a version of the past (asOf or asOfVersion): read-only. */
    boolean readsThePast() {
        return parsed.get(DosqliteProperty.AS_OF) != null || parsed.get(DosqliteProperty.AS_OF_VERSION) != null;
    }

    boolean flag(DosqliteProperty p) {
        return (Boolean) parsed.get(p);
    }

    int number(DosqliteProperty p) {
        return (Integer) parsed.get(p);
    }

    long bytes(DosqliteProperty p) {
        return (Long) parsed.get(p);
    }

    Duration seconds(DosqliteProperty p) {
        return Duration.ofSeconds(number(p));
    }

    /**
     * The page store configuration these settings describe: the one place where properties become
     * client settings (the driver and the CLI both use it).
     */
    public RemoteConfig remoteConfig() throws PageStoreException {
        return RemoteConfig.builder(serverUrl, database)
                .token(text(DosqliteProperty.TOKEN))
                .connectTimeout(seconds(DosqliteProperty.CONNECT_TIMEOUT))
                .readTimeout(seconds(DosqliteProperty.READ_TIMEOUT))
                .callTimeout(seconds(DosqliteProperty.READ_TIMEOUT))
                .cacheBytes(bytes(DosqliteProperty.CACHE_SIZE))
                .createIfMissing(flag(DosqliteProperty.CREATE))
                .pageSizeForNew(number(DosqliteProperty.PAGE_SIZE))
                .readOnly(flag(DosqliteProperty.READ_ONLY))
                .maxRetries(number(DosqliteProperty.MAX_RETRIES))
                .uploadDuringTransaction(flag(DosqliteProperty.EARLY_UPLOAD))
                .pipelineDepth(number(DosqliteProperty.PIPELINE_DEPTH))
                .leases(flag(DosqliteProperty.LEASES))
                .sessionConsistency("session".equals(text(DosqliteProperty.CONSISTENCY)))
                .compress(compress())
                .asOf((java.time.Instant) parsed.get(DosqliteProperty.AS_OF))
                .asOfVersion(parsed.get(DosqliteProperty.AS_OF_VERSION) == null ? -1 : (Long) parsed.get(DosqliteProperty.AS_OF_VERSION))
                .build();
    }

    /** {@link DosqliteProperty#COMPRESS}: "auto" is gzip for a page server on another machine only. */
    boolean compress() {
        String v = text(DosqliteProperty.COMPRESS);
        return "auto".equals(v) ? !LoopbackHost.isLoopback(serverUrl) : Boolean.parseBoolean(v);
    }

    /** Identifies the database for sharing one store, cache and lock table between connections. */
    String databaseKey() {
        // a connection to the past has a store (and cache) of its own version
        Object past = parsed.get(DosqliteProperty.AS_OF) != null ? parsed.get(DosqliteProperty.AS_OF)
                : parsed.get(DosqliteProperty.AS_OF_VERSION) != null ? "v" + parsed.get(DosqliteProperty.AS_OF_VERSION) : null;
        return serverUrl + "/" + database + "#"
                + Integer.toHexString(String.valueOf(text(DosqliteProperty.TOKEN)).hashCode())
                + (past == null ? "" : "@" + past);
    }
}
