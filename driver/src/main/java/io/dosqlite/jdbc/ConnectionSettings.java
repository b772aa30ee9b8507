package io.dosqlite.jdbc;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A parsed {@code jdbc:dosqlite:} URL plus the properties that apply to it, validated. Immutable.
 * Every problem is an {@link SQLException} with SQLState 08001 and a message naming the bad part.
 */
final class ConnectionSettings {
    static final String PREFIX = "jdbc:dosqlite:";
    static final String URL_FORM = "jdbc:dosqlite:http[s]://HOST[:PORT][/PATH]/DATABASE[?name=value&...]";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final String BAD_URL = "08001";

    private final String serverUrl;
    private final String database;
    private final Map<DosqliteProperty, String> values;

    private ConnectionSettings(String serverUrl, String database, Map<DosqliteProperty, String> values) {
        this.serverUrl = serverUrl;
        this.database = database;
        this.values = values;
    }

    static boolean accepts(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /** Parses {@code url} and merges {@code info}, which wins over the URL, which wins over the environment. */
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
            throw new SQLException("dosqlite URL must name an http or https page server, got '" + url
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
                put(values, decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        if (info != null) {
            for (String name : info.stringPropertyNames()) {
                put(values, name, info.getProperty(name));
            }
        }
        ConnectionSettings settings = new ConnectionSettings(base, database, values);
        settings.validate();
        return settings;
    }

    private static void put(Map<DosqliteProperty, String> values, String name, String value)
            throws SQLException {
        DosqliteProperty p = DosqliteProperty.forName(name);
        if (p == null) {
            throw new SQLException("Unknown dosqlite property '" + name + "'. Known properties: "
                    + knownNames(), BAD_URL);
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

    private void validate() throws SQLException {
        int pageSize = intValue(DosqliteProperty.PAGE_SIZE, 512, 65536);
        if (Integer.bitCount(pageSize) != 1) {
            throw invalid(DosqliteProperty.PAGE_SIZE, "a power of two from 512 to 65536");
        }
        cacheBytes();
        bool(DosqliteProperty.CREATE);
        bool(DosqliteProperty.READ_ONLY);
        bool(DosqliteProperty.OPTIMISTIC_WRITES);
        bool(DosqliteProperty.EARLY_UPLOAD);
        intValue(DosqliteProperty.CONNECT_TIMEOUT, 1, 3600);
        intValue(DosqliteProperty.READ_TIMEOUT, 1, 86400);
        intValue(DosqliteProperty.BUSY_TIMEOUT, 0, Integer.MAX_VALUE);
        intValue(DosqliteProperty.MAX_RETRIES, 0, 100);
    }

    String serverUrl() {
        return serverUrl;
    }

    String database() {
        return database;
    }

    /** The raw value of a property after URL, Properties and environment were merged; may be null. */
    String get(DosqliteProperty p) {
        return values.getOrDefault(p, p.defaultValue());
    }

    String token() {
        return get(DosqliteProperty.TOKEN);
    }

    int pageSize() {
        return Integer.parseInt(get(DosqliteProperty.PAGE_SIZE).trim());
    }

    boolean create() {
        return Boolean.parseBoolean(get(DosqliteProperty.CREATE).trim());
    }

    boolean readOnly() {
        return Boolean.parseBoolean(get(DosqliteProperty.READ_ONLY).trim());
    }

    boolean earlyUpload() {
        return Boolean.parseBoolean(get(DosqliteProperty.EARLY_UPLOAD).trim());
    }

    boolean optimisticWrites() {
        return Boolean.parseBoolean(get(DosqliteProperty.OPTIMISTIC_WRITES).trim());
    }

    Duration connectTimeout() {
        return Duration.ofSeconds(Integer.parseInt(get(DosqliteProperty.CONNECT_TIMEOUT).trim()));
    }

    Duration readTimeout() {
        return Duration.ofSeconds(Integer.parseInt(get(DosqliteProperty.READ_TIMEOUT).trim()));
    }

    int busyTimeoutMillis() {
        return Integer.parseInt(get(DosqliteProperty.BUSY_TIMEOUT).trim());
    }

    int maxRetries() {
        return Integer.parseInt(get(DosqliteProperty.MAX_RETRIES).trim());
    }

    long cacheBytes() throws SQLException {
        String v = get(DosqliteProperty.CACHE_SIZE).trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] suffix : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"B", "1"}}) {
            if (v.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                v = v.substring(0, v.length() - suffix[0].length()).trim();
                break;
            }
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(v), unit);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(DosqliteProperty.CACHE_SIZE, "a byte count such as 67108864, 64MB or 1GB");
        }
    }

    /** Identifies the database for sharing one store, cache and lock table between connections. */
    String databaseKey() {
        return serverUrl + "/" + database + "#" + Integer.toHexString(String.valueOf(token()).hashCode());
    }

    private int intValue(DosqliteProperty p, int min, int max) throws SQLException {
        try {
            int n = Integer.parseInt(get(p).trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException | NullPointerException e) {
            throw invalid(p, "a whole number from " + min + " to " + max);
        }
    }

    private void bool(DosqliteProperty p) throws SQLException {
        String v = get(p).trim();
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw invalid(p, "true or false");
        }
    }

    private SQLException invalid(DosqliteProperty p, String expected) {
        return new SQLException("Invalid value '" + get(p) + "' for dosqlite property '" + p.propertyName()
                + "': expected " + expected, BAD_URL);
    }
}
