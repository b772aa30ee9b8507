package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import okhttp3.HttpUrl;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable settings of one {@link RemotePageStore}: where the page server is, which database,
 * the token, timeouts, cache size and commit behaviour. Build with {@link #builder(String, String)};
 * {@link Builder#build()} validates everything and says what is wrong.
 */
public final class RemoteConfig {

    /** Request body limit of protocol v1 (32 MiB); bigger commits are uploaded in stages. */
    public static final long PROTOCOL_MAX_BODY = 32L * 1024 * 1024;

    /** Defaults of the settings a JDBC URL can change (the driver's property enum shows these). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_PAGE_SIZE = 4096;
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** Commits of one JVM that may be in flight one behind another (see {@link #pipelineDepth()}). */
    public static final int DEFAULT_PIPELINE_DEPTH = 32;

    private static final Pattern DB_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");

    private final HttpUrl baseUrl;
    private final String database;
    private final String token;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration callTimeout;
    private final long cacheBytes;
    private final boolean createIfMissing;
    private final int pageSizeForNew;
    private final boolean readOnly;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final long maxRequestBytes;
    private final boolean prefetchInterior;
    private final boolean uploadDuringTransaction;
    private final int pipelineDepth;
    private final boolean leases;
    private final boolean sessionConsistency;
    private final boolean compress;
    private final Instant asOf;
    private final long asOfVersion;

    private RemoteConfig(Builder b, HttpUrl url) {
        this.baseUrl = url;
        this.database = b.database;
        this.token = b.token;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.callTimeout = b.callTimeout;
        this.cacheBytes = b.cacheBytes;
        this.createIfMissing = b.createIfMissing;
        this.pageSizeForNew = b.pageSizeForNew;
        this.readOnly = b.readOnly;
        this.maxRetries = b.maxRetries;
        this.retryBackoff = b.retryBackoff;
        this.maxRequestBytes = b.maxRequestBytes;
        this.prefetchInterior = b.prefetchInterior;
        this.uploadDuringTransaction = b.uploadDuringTransaction;
        this.pipelineDepth = b.pipelineDepth;
        this.leases = b.leases;
        this.sessionConsistency = b.sessionConsistency;
        this.compress = b.compress;
        this.asOf = b.asOf;
        this.asOfVersion = b.asOfVersion;
    }

    /** A builder for database {@code database} on the page server at {@code baseUrl} (e.g. {@code http://127.0.0.1:8787}). */
    public static Builder builder(String baseUrl, String database) {
        return new Builder(baseUrl, database);
    }

    /** A builder initialised from this config. */
    public Builder toBuilder() {
        Builder b = new Builder(baseUrl.toString(), database);
        b.token = token;
        b.connectTimeout = connectTimeout;
        b.readTimeout = readTimeout;
        b.callTimeout = callTimeout;
        b.cacheBytes = cacheBytes;
        b.createIfMissing = createIfMissing;
        b.pageSizeForNew = pageSizeForNew;
        b.readOnly = readOnly;
        b.maxRetries = maxRetries;
        b.retryBackoff = retryBackoff;
        b.maxRequestBytes = maxRequestBytes;
        b.prefetchInterior = prefetchInterior;
        b.uploadDuringTransaction = uploadDuringTransaction;
        b.pipelineDepth = pipelineDepth;
        b.leases = leases;
        b.sessionConsistency = sessionConsistency;
        b.compress = compress;
        b.asOf = asOf;
        b.asOfVersion = asOfVersion;
        return b;
    }

    /** The page server's base URL, possibly with a path prefix; {@code /v1/...} is appended to it. */
    public String baseUrl() {
        String s = baseUrl.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    HttpUrl httpUrl() { return baseUrl; }

    public String database() { return database; }

    /** The bearer token, or null to send none. */
    public String token() { return token; }

    public Duration connectTimeout() { return connectTimeout; }

    /** Longest wait for the next bytes of an answer. */
    public Duration readTimeout() { return readTimeout; }

    /** Longest time for a whole HTTP call (0 = no limit); the JDBC network timeout. */
    public Duration callTimeout() { return callTimeout; }

    /** Upper bound of the page cache in bytes (0 disables caching). */
    public long cacheBytes() { return cacheBytes; }

    public boolean createIfMissing() { return createIfMissing; }

    /** Page size a database created by {@link #createIfMissing()} gets. */
    public int pageSizeForNew() { return pageSizeForNew; }

    public boolean readOnly() { return readOnly || readsThePast(); }

    /** The wall-clock time a read-only connection to the past reads at, or null. */
    public Instant asOf() { return asOf; }

    /** The version a read-only connection to the past reads, or -1. */
    public long asOfVersion() { return asOfVersion; }

    /** Whether this store reads one fixed version of the past (asOf or asOfVersion): read-only, no leases. */
    public boolean readsThePast() { return asOf != null || asOfVersion >= 0; }

    /** Extra attempts for idempotent requests after a connection failure or a 5xx answer. */
    public int maxRetries() { return maxRetries; }

    public Duration retryBackoff() { return retryBackoff; }

    /** Largest request body sent; commits larger than this go through stage uploads. */
    public long maxRequestBytes() { return maxRequestBytes; }

    /** Whether open fetches the b-tree interior pages once (cold-start prefetch). */
    public boolean prefetchInterior() { return prefetchInterior; }

    /**
     * Whether large transactions upload their pages to an invisible stage while they run (see
     * BackgroundStage); off by default, so nothing of a transaction leaves the JVM before COMMIT.
     */
    public boolean uploadDuringTransaction() { return uploadDuringTransaction; }

    /**
     * How many commits of optimistic write transactions may be in flight one behind another
     * (pipelined: sent before the previous one was acknowledged); 0 = each commit waits for its
     * answer before the next one of this JVM may start.
     */
    public int pipelineDepth() { return pipelineDepth; }

    /**
     * Whether the store holds a read lease over a push channel (a WebSocket to the database's
     * Durable Object), so a read transaction on cached pages needs no request; off: the version
     * check per transaction.
     */
    public boolean leases() { return leases && !readsThePast(); }

    /**
     * The weaker session mode: this store's commits do not wait until other lease holders were
     * told (read-your-writes and monotonic reads here; others may read the previous version until
     * the push reaches them). Off: linearizable.
     */
    public boolean sessionConsistency() { return sessionConsistency; }

    /**
     * Whether pages travel gzipped: answers when the server offers it, commit and stage bodies
     * once the server said it accepts them (its {@code Accept-Encoding} answer header). On by default.
     */
    public boolean compress() { return compress; }

    @Override
    public String toString() {
        return "RemoteConfig{" + baseUrl + " db=" + database + " token=" + (token == null ? "none" : "***")
                + " connectTimeout=" + connectTimeout + " readTimeout=" + readTimeout + " callTimeout=" + callTimeout
                + " cacheBytes=" + cacheBytes + " createIfMissing=" + createIfMissing + " pageSizeForNew=" + pageSizeForNew
                + " readOnly=" + readOnly + " maxRetries=" + maxRetries + "}";
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final String baseUrl;
        private final String database;
        private String token;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration callTimeout = Duration.ofSeconds(60);
        private long cacheBytes = DEFAULT_CACHE_BYTES;
        private boolean createIfMissing;
        private int pageSizeForNew = DEFAULT_PAGE_SIZE;
        private boolean readOnly;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration retryBackoff = Duration.ofMillis(50);
        private long maxRequestBytes = PROTOCOL_MAX_BODY;
        private boolean prefetchInterior = true;
        private boolean uploadDuringTransaction;
        private int pipelineDepth = DEFAULT_PIPELINE_DEPTH;
        private boolean leases;
        private boolean sessionConsistency;
        private boolean compress = true;
        private Instant asOf;
        private long asOfVersion = -1;

        private Builder(String baseUrl, String database) {
            this.baseUrl = baseUrl;
            this.database = database;
        }

        public Builder token(String token) { this.token = token == null || token.isEmpty() ? null : token; return this; }

        public Builder connectTimeout(Duration d) { this.connectTimeout = d; return this; }

        public Builder readTimeout(Duration d) { this.readTimeout = d; return this; }

        public Builder callTimeout(Duration d) { this.callTimeout = d; return this; }

        public Builder cacheBytes(long bytes) { this.cacheBytes = bytes; return this; }

        public Builder createIfMissing(boolean b) { this.createIfMissing = b; return this; }

        public Builder pageSizeForNew(int pageSize) { this.pageSizeForNew = pageSize; return this; }

        public Builder readOnly(boolean b) { this.readOnly = b; return this; }

        public Builder maxRetries(int n) { this.maxRetries = n; return this; }

        public Builder retryBackoff(Duration d) { this.retryBackoff = d; return this; }

        public Builder maxRequestBytes(long bytes) { this.maxRequestBytes = bytes; return this; }

        public Builder prefetchInterior(boolean b) { this.prefetchInterior = b; return this; }

        public Builder uploadDuringTransaction(boolean b) { this.uploadDuringTransaction = b; return this; }
        /** See {@link RemoteConfig#pipelineDepth()}. */
        public Builder pipelineDepth(int n) { this.pipelineDepth = Math.max(0, n); return this; }

        public Builder leases(boolean b) { this.leases = b; return this; }

        public Builder sessionConsistency(boolean b) { this.sessionConsistency = b; return this; }

        /** See {@link RemoteConfig#compress()}. */
        public Builder compress(boolean b) { this.compress = b; return this; }
        /** Read the database as it was at this time (read-only); null for the present. */
        public Builder asOf(Instant t) { this.asOf = t; return this; }

        /** Read this version of the database (read-only); -1 for the present. */
        public Builder asOfVersion(long v) { this.asOfVersion = v; return this; }

        /** Validates and builds; {@link PageStoreException.Kind#INVALID} says which setting is wrong. */
        public RemoteConfig build() throws PageStoreException {
            if (baseUrl == null || baseUrl.isBlank()) {
                throw invalid("the page server URL is missing (e.g. http://127.0.0.1:8787)");
            }
            HttpUrl url = HttpUrl.parse(baseUrl.trim());
            if (url == null) {
                throw invalid("'" + baseUrl + "' is not an http:// or https:// URL of a page server (e.g. http://127.0.0.1:8787)");
            }
            if (database == null || !DB_NAME.matcher(database).matches()) {
                throw invalid("invalid database name '" + database + "': use 1-63 characters A-Z a-z 0-9 . _ -, starting with a letter or digit");
            }
            if (token != null && (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0)) {
                throw invalid("the token must not contain line breaks");
            }
            checkDuration("connectTimeout", connectTimeout);
            checkDuration("readTimeout", readTimeout);
            checkDuration("callTimeout", callTimeout);
            checkDuration("retryBackoff", retryBackoff);
            if (cacheBytes < 0) {
                throw invalid("cacheBytes must be >= 0, was " + cacheBytes);
            }
            if (pageSizeForNew < 512 || pageSizeForNew > 65536 || Integer.bitCount(pageSizeForNew) != 1) {
                throw invalid("invalid page size " + pageSizeForNew + ": use a power of two from 512 to 65536");
            }
            if (maxRetries < 0 || maxRetries > 20) {
                throw invalid("maxRetries must be 0..20, was " + maxRetries);
            }
            if (maxRequestBytes < 8 + 65536 || maxRequestBytes > PROTOCOL_MAX_BODY) {
                throw invalid("maxRequestBytes must be " + (8 + 65536) + ".." + PROTOCOL_MAX_BODY + ", was " + maxRequestBytes);
            }
            if (asOf != null && asOfVersion >= 0) {
                throw invalid("give asOf or asOfVersion, not both");
            }
            if (asOfVersion < -1) {
                throw invalid("asOfVersion must be >= 0, was " + asOfVersion);
            }
            return new RemoteConfig(this, url);
        }

        private static void checkDuration(String name, Duration d) throws PageStoreException {
            if (d == null || d.isNegative()) {
                throw invalid(name + " must be a duration >= 0, was " + d);
            }
        }

        private static PageStoreException invalid(String msg) {
            return new PageStoreException(PageStoreException.Kind.INVALID, msg);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RemoteConfig)) {
            return false;
        }
        RemoteConfig c = (RemoteConfig) o;
        return baseUrl.equals(c.baseUrl) && database.equals(c.database) && Objects.equals(token, c.token)
                && connectTimeout.equals(c.connectTimeout) && readTimeout.equals(c.readTimeout)
                && callTimeout.equals(c.callTimeout) && cacheBytes == c.cacheBytes && createIfMissing == c.createIfMissing
                && pageSizeForNew == c.pageSizeForNew && readOnly == c.readOnly && maxRetries == c.maxRetries
                && retryBackoff.equals(c.retryBackoff) && maxRequestBytes == c.maxRequestBytes
                && prefetchInterior == c.prefetchInterior && uploadDuringTransaction == c.uploadDuringTransaction && pipelineDepth == c.pipelineDepth
                && leases == c.leases && sessionConsistency == c.sessionConsistency && compress == c.compress
                && Objects.equals(asOf, c.asOf) && asOfVersion == c.asOfVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseUrl, database, connectTimeout, readTimeout, callTimeout, cacheBytes, readOnly, asOf, asOfVersion);
    }
}
