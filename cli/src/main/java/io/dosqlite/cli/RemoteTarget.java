package io.dosqlite.cli;

import io.dosqlite.jdbc.DosqliteProperty;
import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.vfs.PageStoreException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dosqlite URL ({@code [jdbc:dosqlite:]http[s]://HOST[:PORT][/PATH]/DATABASE[?name=value...]})
 * turned into a {@link RemoteConfig} for commands that talk to the page API directly (import,
 * export, stats). The token comes from {@code --token}, else the URL, else DOSQLITE_TOKEN.
 */
final class RemoteTarget {
    private RemoteTarget() {
    }

    static final String FORM = "[jdbc:dosqlite:]http[s]://HOST[:PORT][/PATH]/DATABASE";

    static RemoteConfig parse(String url, CommandLine cl) throws PageStoreException {
        String u = url.startsWith("jdbc:dosqlite:") ? url.substring("jdbc:dosqlite:".length()) : url;
        if (u.startsWith("jdbc:")) {
            throw invalid("'" + url + "' is not a dosqlite URL: use " + FORM);
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw invalid("'" + url + "' is not a valid URL (" + e.getMessage() + "): use " + FORM);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw invalid("'" + url + "' is not an http:// or https:// URL: use " + FORM
                    + ", e.g. http://127.0.0.1:8787/mydb");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int slash = path.lastIndexOf('/');
        String db = slash < 0 ? "" : decode(path.substring(slash + 1));
        if (db.isEmpty()) {
            throw invalid("'" + url + "' names no database: add it as the last path segment, e.g. http://127.0.0.1:8787/mydb");
        }
        String base = uri.getScheme() + "://" + uri.getRawAuthority() + path.substring(0, slash);
        Map<String, String> query = query(uri.getRawQuery());
        RemoteConfig.Builder b = RemoteConfig.builder(base, db);
        String token = cl.tokenGiven ? cl.token : query.getOrDefault("token", query.getOrDefault("password", cl.token));
        b.token(token);
        for (Map.Entry<String, String> e : query.entrySet()) {
            DosqliteProperty p = DosqliteProperty.forName(e.getKey());
            if (p == null) {
                throw invalid("unknown property '" + e.getKey() + "' in the URL; known: " + known());
            }
            try {
                switch (p) {
                    case CONNECT_TIMEOUT:
                        b.connectTimeout(Duration.ofSeconds(Long.parseLong(e.getValue())));
                        break;
                    case READ_TIMEOUT:
                        b.readTimeout(Duration.ofSeconds(Long.parseLong(e.getValue())));
                        break;
                    case MAX_RETRIES:
                        b.maxRetries(Integer.parseInt(e.getValue()));
                        break;
                    default:
                        break; // the others concern SQLite connections, not whole-file transfers
                }
            } catch (NumberFormatException ex) {
                throw invalid("property " + e.getKey() + "=" + e.getValue() + " is not a whole number");
            }
        }
        return b.build();
    }

    private static String known() {
        StringBuilder sb = new StringBuilder();
        for (DosqliteProperty p : DosqliteProperty.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.propertyName());
        }
        return sb.toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            m.put(decode(eq < 0 ? part : part.substring(0, eq)), eq < 0 ? "" : decode(part.substring(eq + 1)));
        }
        return m;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static PageStoreException invalid(String msg) {
        return new PageStoreException(PageStoreException.Kind.INVALID, msg);
    }
}
