package io.dosqlite.jdbc;

import io.dosqlite.remote.RemoteConfig;
import java.sql.DriverPropertyInfo;
import java.util.Locale;
import java.util.Properties;

/**
 * Every connection property the driver understands, declared once. URL parsing, {@link Properties}
 * handling, {@link java.sql.Driver#getPropertyInfo} and the README's property table all derive
 * from this enum.
 *
 * <p>Each property can be given in the URL query ({@code ?cacheSize=128MB}), in the
 * {@code Properties} passed to {@code connect}, and some from an environment variable. The
 * {@code Properties} win over the URL, which wins over the environment.
 */
public enum DosqliteProperty {
    TOKEN("token", null, "DOSQLITE_TOKEN", PropertyType.TEXT,
            "Bearer token of the page server. Prefer the Properties object or the DOSQLITE_TOKEN"
                    + " environment variable to the URL, so it does not end up in logs."),
    PASSWORD("password", null, null, PropertyType.TEXT,
            "Alias of token, so tools with a password field (DBeaver, HikariCP) can supply it."),
    USER("user", null, null, PropertyType.TEXT,
            "Accepted and ignored: the page server authenticates by token only."),
    CACHE_SIZE("cacheSize", (RemoteConfig.DEFAULT_CACHE_BYTES >> 20) + "MB", null, PropertyType.BYTES,
            "Upper bound of the shared page cache of this database in this JVM, in bytes;"
                    + " suffixes KB, MB, GB."),
    PAGE_SIZE("pageSize", String.valueOf(RemoteConfig.DEFAULT_PAGE_SIZE), null, PropertyType.PAGE_SIZE,
            "Page size for a database this driver creates: a power of two from 512 to 65536.",
            "512", "1024", "2048", "4096", "8192", "16384", "32768", "65536"),
    CREATE("create", "true", null, PropertyType.BOOL,
            "Create the database on the page server if it does not exist.", "true", "false"),
    READ_ONLY("readOnly", "false", null, PropertyType.BOOL,
            "Open the database read-only: writes fail before any request is sent.", "true", "false"),
    AS_OF("asOf", null, null, PropertyType.INSTANT,
            "Read the database as it was at this time (ISO-8601, e.g. 2026-12-01T10:00:00Z): a read-only"
                    + " connection to the version that was current then, with the same cache and read-ahead as"
                    + " the present. The time must lie in the page server's history window (default 7 days);"
                    + " outside it the connection fails with SQLState 22023 naming the window. Writes fail"
                    + " with SQLState 25006."),
    AS_OF_VERSION("asOfVersion", null, null, PropertyType.VERSION,
            "Read this version of the database (dosqlite log lists them): read-only, as asOf."),
    CONNECT_TIMEOUT("connectTimeout", String.valueOf(RemoteConfig.DEFAULT_CONNECT_TIMEOUT.toSeconds()), null,
            PropertyType.range(1, 3600),
            "Seconds to wait for a TCP/TLS connection to the page server."),
    READ_TIMEOUT("readTimeout", String.valueOf(RemoteConfig.DEFAULT_READ_TIMEOUT.toSeconds()), null,
            PropertyType.range(1, 86400),
            "Seconds one HTTP call to the page server may take before it fails with a timeout"
                    + " (also what Connection.setNetworkTimeout changes)."),
    BUSY_TIMEOUT("busyTimeout", "5000", null, PropertyType.range(0, Integer.MAX_VALUE),
            "Milliseconds a connection waits for another connection of this JVM that holds the"
                    + " write lock before failing with SQLITE_BUSY."),
    MAX_RETRIES("maxRetries", String.valueOf(RemoteConfig.DEFAULT_MAX_RETRIES), null, PropertyType.range(0, 100),
            "How often an idempotent request (read, version check, commit with the same"
                    + " idempotency key) is retried after a network failure."),
    OPTIMISTIC_WRITES("optimisticWrites", "true", null, PropertyType.BOOL,
            "Start a transaction whose first statement is an executeUpdate/executeBatch (and an"
                    + " autocommit executeUpdate) on the newest version this JVM knows, without a"
                    + " version check: a write transaction costs one request, its commit. If another"
                    + " client committed in between, commit() fails with SQLState 40001 (autocommit"
                    + " updates run again by themselves). false: check first, one more request.",
            "true", "false"),
    AUTOCOMMIT_RETRIES("autocommitRetries", "20", null, PropertyType.range(0, 1000),
            "How often an autocommit executeUpdate/execute whose commit was refused because another"
                    + " client changed what it read (nothing of it was applied) is run again by the driver,"
                    + " with exponential backoff (1 ms doubling to 200 ms, with jitter; a JVM the page server"
                    + " queued for a page that JVMs fight over waits for its turn instead), before the"
                    + " application sees SQLState 40001. 0: the application sees every serialization failure."),
    PIPELINE_DEPTH("pipelineDepth", String.valueOf(RemoteConfig.DEFAULT_PIPELINE_DEPTH), null, PropertyType.range(0, 256),
            "How many commits of optimistic write transactions (autocommit executeUpdate, and"
                    + " transactions that begin by writing) of this JVM may be in flight one behind another:"
                    + " a commit is sent and the write lock released before its answer arrives, so the next"
                    + " write of any connection runs on top of it; executeUpdate and commit() still return"
                    + " only once their own commit is acknowledged (unless synchronousCommit=false), and if"
                    + " one commit of the chain is refused"
                    + " every later one fails with it (autocommit statements run again). Reads never see a"
                    + " commit that is not acknowledged. 0: one commit at a time. Applies to the database's"
                    + " shared client (first connection of the JVM)."),
    SYNCHRONOUS_COMMIT("synchronousCommit", "true", null, PropertyType.BOOL,
            "false: this connection's commits on the JVM's commit chain (autocommit executeUpdate,"
                    + " commit() of a transaction that began by writing) return once queued, not once"
                    + " acknowledged, as PostgreSQL's synchronous_commit=off: while one of its commits is on"
                    + " the wire the next ones wait in one group that is sent as one commit, so a loop of"
                    + " autocommit INSERTs runs near local speed. A crash of the JVM (or no close()) may lose"
                    + " the newest of them, at most maxUnacknowledgedCommits, never an earlier one without"
                    + " the later ones. A queued commit refused later is reported by the connection's next"
                    + " call or close() (40001; 08xxx if the server failed), with every later one of the"
                    + " connection, none of which was applied; they are not run again. Other statements on"
                    + " the connection (queries, execute) first wait for its queued commits"
                    + " (read-your-writes); other connections see them once acknowledged. Needs"
                    + " pipelineDepth > 0.",
            "true", "false"),
    MAX_UNACKNOWLEDGED_COMMITS("maxUnacknowledgedCommits", "256", null, PropertyType.range(1, 100_000),
            "With synchronousCommit=false: how many of this connection's commits (statements or"
                    + " transactions) may await their answer; the next one then waits until the oldest is"
                    + " acknowledged. The most a crash can lose."),
    EARLY_UPLOAD("earlyUpload", "true", null, PropertyType.BOOL,
            "A transaction with more than 1 MB of changed pages uploads them while it runs, to a stage"
                    + " nobody sees until its COMMIT publishes it, so COMMIT only sends the rest (a 100k-row"
                    + " insert commits ~3x faster). The pages of a transaction that rolls back stay on the"
                    + " server until the stage expires (15 minutes). false: nothing leaves the JVM before"
                    + " COMMIT. Applies to the database's shared client (first connection of the JVM).",
            "true", "false"),
    LEASES("leases", "true", "DOSQLITE_LEASES", PropertyType.BOOL,
            "Hold a read lease on a push channel (a WebSocket to the database's Durable Object): a"
                    + " transaction on cached pages starts with no request, and other clients' commits are"
                    + " pushed (their small commits with the new pages). Reads stay linearizable: a commit"
                    + " is acknowledged only after every lease holder applied it or its lease ran out. If"
                    + " the WebSocket cannot be opened, one INFO line and the version check per transaction."
                    + " false: the version check per transaction. Applies to the database's shared client.",
            "true", "false"),
    CONSISTENCY("consistency", "linearizable", "DOSQLITE_CONSISTENCY", PropertyType.oneOf("linearizable", "session"),
            "linearizable: a transaction that starts after any client's commit was acknowledged sees it."
                    + " session (with leases=true): this JVM's commits do not wait until other lease holders"
                    + " applied them, so another JVM may read the previous version until the push reaches it"
                    + " (staleness bounded by the push delay); this JVM still reads its own writes and never"
                    + " goes back in time. Applies to the database's shared client.",
            "linearizable", "session"),
    COMPRESS("compress", "auto", null, PropertyType.oneOf("auto", "true", "false"),
            "Send pages gzipped when the page server supports it: page answers of 1 KB and more, and"
                    + " commit bodies that shrink by at least a tenth (SQLite pages hold free space and"
                    + " repeated bytes: 1.4-1.8x fewer bytes in the benchmark). The checksums still cover the"
                    + " uncompressed pages. auto: true unless the server's address is this machine"
                    + " (localhost, 127.0.0.0/8, ::1), where bytes cost nothing and gzip would only take the"
                    + " CPU SQLite needs (a bulk insert at RTT 0 spends as much CPU in gzip as in SQLite)."
                    + " false: pages travel as they are (less CPU, more bytes). Applies to the database's"
                    + " shared client.",
            "auto", "true", "false");

    private final String propertyName;
    private final String defaultValue;
    private final String environmentVariable;
    private final PropertyType type;
    private final String description;
    private final String[] choices;

    DosqliteProperty(String propertyName, String defaultValue, String environmentVariable, PropertyType type,
                     String description, String... choices) {
        this.propertyName = propertyName;
        this.defaultValue = defaultValue;
        this.environmentVariable = environmentVariable;
        this.type = type;
        this.description = description;
        this.choices = choices;
    }

    /** The name used in URLs and {@link Properties}. */
    public String propertyName() {
        return propertyName;
    }

    /** The value used when none is given, or null. */
    public String defaultValue() {
        return defaultValue;
    }

    /** The environment variable consulted when neither URL nor Properties set it, or null. */
    public String environmentVariable() {
        return environmentVariable;
    }

    /** What values the property takes and what they mean. */
    PropertyType type() {
        return type;
    }

    /** What the property does, as shown by GUI tools. */
    public String description() {
        return description;
    }

    /** The allowed values, or an empty array when any value of the right form is allowed. */
    public String[] choices() {
        return choices.clone();
    }

    /** Looks a property up by its name, ignoring case; null if there is none. */
    public static DosqliteProperty forName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (DosqliteProperty p : values()) {
            if (p.propertyName.toLowerCase(Locale.ROOT).equals(lower)) {
                return p;
            }
        }
        return null;
    }

    DriverPropertyInfo toDriverPropertyInfo(Properties given) {
        String value = given.getProperty(propertyName, defaultValue);
        DriverPropertyInfo info = new DriverPropertyInfo(propertyName, value);
        info.description = description;
        info.required = false;
        info.choices = choices.length == 0 ? null : choices.clone();
        return info;
    }
}
