package io.dosqlite.cli;

import io.dosqlite.jdbc.ConnectionSettings;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A dosqlite URL ({@code [jdbc:dosqlite:]http[s]://HOST[:PORT][/PATH]/DATABASE[?name=value...]})
 * turned into a {@link RemoteConfig} for commands that talk to the page API directly (import,
 * export, stats), by the driver's own parser: the same properties, checks and messages as a JDBC
 * connection. The token comes from {@code --token}, else the URL, else DOSQLITE_TOKEN, else (a
 * server on this machine) the local development token.
 */
final class RemoteTarget {
    private static final String PREFIX = "jdbc:dosqlite:";

    private RemoteTarget() {
    }

    /**
     * The page server at {@code serverUrl} ({@code http[s]://HOST[:PORT][/PATH]}, no database), for
     * commands about all its databases; the config's database name is a placeholder.
     */
    static RemoteConfig server(String serverUrl, CommandLine cl) throws PageStoreException {
        String u = serverUrl;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return parse(u + "/any", cl);
    }

    static RemoteConfig parse(String url, CommandLine cl) throws PageStoreException {
        String jdbcUrl = url.regionMatches(true, 0, "jdbc:", 0, 5) ? url : PREFIX + url;
        Properties given = new Properties();
        if (cl.tokenGiven && cl.token != null) {
            given.setProperty("token", cl.token);
        }
        try {
            ConnectionSettings settings = ConnectionSettings.parse(jdbcUrl, given);
            RemoteConfig config = settings.remoteConfig();
            if (config.token() != null) {
                return config;
            }
            return config.toBuilder().token(cl.tokenFor(config.baseUrl())).build();
        } catch (SQLException e) {
            throw new PageStoreException(PageStoreException.Kind.INVALID, e.getMessage());
        }
    }
}
