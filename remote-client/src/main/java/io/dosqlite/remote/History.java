package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A database's history for the CLI: the versions the page server keeps ({@link #log}), a new
 * database forked from one of them without copying pages ({@link #fork}), and an old version made
 * current again as a new commit ({@link #restore}). Each is one request.
 */
public final class History {

    /** One retained version: when it was committed, its size, and how many pages it wrote. */
    public record Version(long version, Instant time, long pageCount, long bytes, long pagesWritten) {
    }

    /** The retained versions (newest first) and the window that bounds them. */
    public record Log(String name, long currentVersion, long oldestReadableVersion, Instant oldestReadableTime,
                      long retentionMs, long retentionBytes, List<Version> versions) {
    }

    /** What a fork or restore did: the version it made (a fork's first version is the one it was made from). */
    public record Outcome(String database, long version, long pageCount, long fromVersion) {
    }

    /**
     * A point in the history, as the CLI's {@code --at} takes it: digits are a version, anything
     * else an ISO-8601 instant ({@code 2026-12-01T10:00:00Z}).
     */
    public record Point(long version, Instant time) {
        /** Parses {@code --at}; INVALID if it is neither a version nor an instant. */
        public static Point parse(String text) throws PageStoreException {
            String t = text == null ? "" : text.trim();
            if (t.matches("[0-9]{1,16}")) {
                return new Point(Long.parseLong(t), null);
            }
            try {
                return new Point(-1, Instant.parse(t));
            } catch (java.time.format.DateTimeParseException e) {
                throw new PageStoreException(Kind.INVALID, "'" + text + "' is neither a version number nor an"
                        + " ISO-8601 time like 2026-12-01T10:00:00Z");
            }
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (time != null) {
                m.put("at", time.toString());
            } else if (version >= 0) {
                m.put("version", version);
            }
            return m;
        }
    }

    private final RemoteConfig config;
    private final PageApi api;

    public History(RemoteConfig config) {
        this.config = config;
        this.api = new PageApi(config, SharedHttp.forStore(config), new ClientStats());
    }

    /** The newest {@code limit} retained versions and the history window. */
    public Log log(int limit) throws PageStoreException {
        Answer a = api.history(null, limit);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the history request", config);
        }
        JsonNode n = Json.parse(a.body(), "the history request");
        List<Version> versions = new ArrayList<>();
        for (JsonNode v : n.path("versions")) {
            versions.add(new Version(v.path("version").asLong(), Instant.parse(v.path("time").asText()),
                    v.path("pageCount").asLong(), v.path("bytes").asLong(), v.path("pagesWritten").asLong()));
        }
        String oldestTime = n.path("oldestReadableTime").asText(null);
        return new Log(n.path("name").asText(config.database()), n.path("version").asLong(),
                n.path("oldestReadableVersion").asLong(), oldestTime == null ? null : Instant.parse(oldestTime),
                n.path("retentionMs").asLong(), n.path("retentionBytes").asLong(), versions);
    }

    /**
     * Creates {@code newName} as a fork of this database at {@code at} (null: the current version).
     * An existing {@code newName} is refused (INVALID) unless {@code force}, which replaces it.
     */
    public Outcome fork(String newName, Point at, boolean force) throws PageStoreException {
        Map<String, Object> spec = at == null ? new LinkedHashMap<>() : at.json();
        spec.put("name", newName);
        if (force) {
            spec.put("force", true);
        }
        Answer a = api.fork(spec);
        if (!a.ok()) {
            throw refused(a, "forking " + config.database() + " as " + newName);
        }
        JsonNode n = Json.parse(a.body(), "the fork");
        return new Outcome(newName, n.path("version").asLong(), n.path("pageCount").asLong(), n.path("version").asLong());
    }

    /** Makes version {@code at} of this database its current content, as one new commit (exactly once). */
    public Outcome restore(Point at) throws PageStoreException {
        Answer a = api.restore(at.json(), "restore-" + UUID.randomUUID());
        if (!a.ok()) {
            throw refused(a, "restoring " + config.database());
        }
        JsonNode n = Json.parse(a.body(), "the restore");
        return new Outcome(config.database(), n.path("version").asLong(), n.path("pageCount").asLong(),
                n.path("restoredFrom").asLong());
    }

    private PageStoreException refused(Answer a, String what) {
        if (a.code() == 409) {
            // not a commit conflict: the name exists, or the database has forks
            JsonNode n = Json.tryParse(a.body());
            String msg = n == null ? "" : n.path("message").asText("");
            return new PageStoreException(Kind.INVALID, what + " was refused: " + msg + " (HTTP 409)");
        }
        return HttpErrors.fromAnswer(a, what, config);
    }
}
