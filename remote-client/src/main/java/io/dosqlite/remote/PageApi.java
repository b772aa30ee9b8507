package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The page API v1 over HTTP for one database: one method per endpoint, bounded retries with
 * backoff for idempotent requests only, request/byte counting, FINE logging, per-call timeouts and
 * cancellation of everything in flight.
 */
final class PageApi {

    static final Logger LOG = Logger.getLogger("io.dosqlite.remote");
    static final MediaType OCTETS = MediaType.get("application/octet-stream");
    static final MediaType JSON = MediaType.get("application/json");

    private final RemoteConfig cfg;
    private final OkHttpClient client;
    private final ClientStats stats;
    private final HttpUrl dbUrl;
    private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong cancelEpoch = new AtomicLong();
    private volatile Duration callTimeout;
    private volatile boolean patchesAccepted = true;
    /** Set once an answer said the server inflates gzip request bodies (older servers do not). */
    private volatile boolean gzipBodiesAccepted;
    private volatile boolean closed;
    /** Names this store to the server: its own lease does not hold back its commits (docs/protocol.md). */
    private final String clientId = java.util.UUID.randomUUID().toString();

    /**
     * The lease channel's part in every request: it names its socket (so the server renews the
     * lease on this traffic and learns which pages the holder caches) and hears of the renewal.
     */
    interface LeaseRider {
        /** The open socket's number, or null (nothing to name). */
        String socket();

        /** The answer to a request sent at {@code sentAtNanos} naming {@code socket} renewed the lease for {@code ms}. */
        void renewed(String socket, long sentAtNanos, long ms);
    }

    private volatile LeaseRider rider;

    void ride(LeaseRider r) {
        this.rider = r;
    }

    PageApi(RemoteConfig cfg, OkHttpClient client, ClientStats stats) {
        this.cfg = cfg;
        this.client = client;
        this.stats = stats;
        this.dbUrl = cfg.httpUrl().newBuilder().addPathSegment("v1").addPathSegment("databases")
                .addPathSegment(cfg.database()).build();
        this.callTimeout = cfg.callTimeout();
    }

    RemoteConfig config() {
        return cfg;
    }

    String clientId() {
        return clientId;
    }

    OkHttpClient http() {
        return client;
    }

    /** The push channel's URL (an http(s) URL: OkHttp upgrades it). */
    HttpUrl leasesUrl() {
        return url("leases").addQueryParameter("client", clientId).build();
    }

    void setCallTimeout(Duration d) {
        this.callTimeout = d;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    /** Cancels every call in flight; retry loops that started before stop too. */
    void cancelAll() {
        cancelEpoch.incrementAndGet();
        for (Call c : inFlight) {
            c.cancel();
        }
    }

    /** Cancels every call in flight and refuses every later one: the store is closed. */
    void close() {
        closed = true;
        cancelAll();
    }

    /** What a call on a closed store fails with. */
    PageStoreException closedError() {
        return new PageStoreException(Kind.IO, "the page store of '" + cfg.database() + "' is closed");
    }

    long cancelEpoch() {
        return cancelEpoch.get();
    }

    // ---- endpoints ----

    /** Every database of the page server ({@code GET /v1/databases}). */
    Answer list() throws PageStoreException {
        HttpUrl all = cfg.httpUrl().newBuilder().addPathSegment("v1").addPathSegment("databases").build();
        return execute(get(all), true, "listing the databases", null);
    }

    /** Deletes the database with all its pages; repeating it is harmless (404 the second time). */
    Answer delete() throws PageStoreException {
        return execute(new Request.Builder().url(dbUrl).delete().build(), true, "deleting the database", null);
    }

    /** Database info; with a {@code timeout} (ping) it is one attempt bounded by it, else retried. */
    Answer info(Duration timeout) throws PageStoreException {
        return execute(get(dbUrl), timeout == null, "the database info request", timeout);
    }

    /** Database info with stored bytes split into pages / history / stages (reads every history row on the server). */
    Answer infoWithStorage() throws PageStoreException {
        return execute(get(dbUrl.newBuilder().addQueryParameter("storage", "split").build()), true, "the database info request", null);
    }

    Answer create(int pageSize) throws PageStoreException {
        byte[] json = Json.write(Map.of("pageSize", pageSize));
        Request r = new Request.Builder().url(dbUrl).put(RequestBody.create(json, JSON)).build();
        return execute(r, true, "creating the database", null);
    }

    Answer changes(long since) throws PageStoreException {
        return execute(get(url("changes").addQueryParameter("since", Long.toString(since)).build()), true,
                "the version check", null);
    }

    /** {@code overflowBytes} > 0 asks for the overflow chains of the pages' cells too (read protocol 2). */
    Answer read(long version, long[] pages, long overflowBytes, String reads, int record) throws PageStoreException {
        StringBuilder sb = new StringBuilder(32 + pages.length * 6).append("{\"version\":").append(version);
        if (record < pages.length) {
            sb.append(",\"record\":").append(record); // the rest are read-ahead guesses
        }
        if (reads != null) {
            sb.append(",\"reads\":\"").append(reads).append('"'); // digits, commas and dashes only
        }
        if (overflowBytes > 0) {
            sb.append(",\"overflowBytes\":").append(overflowBytes);
        }
        sb.append(",\"pages\":[");
        for (int i = 0; i < pages.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(pages[i]);
        }
        sb.append("]}");
        Request r = new Request.Builder().url(url("read").build())
                .post(RequestBody.create(sb.toString(), JSON)).build();
        return execute(r, true, "reading " + pages.length + " page(s)", null);
    }

    /** Interior pages of {@code version}, or of the current version if it is negative. */
    Answer interior(long version, long maxBytes) throws PageStoreException {
        okhttp3.HttpUrl.Builder u = url("interior").addQueryParameter("maxBytes", Long.toString(maxBytes));
        if (version >= 0) {
            u.addQueryParameter("version", Long.toString(version));
        }
        return execute(get(u.build()), true, "the interior page prefetch", null);
    }

    /** The retained versions, newest first ({@code at} null), or the one current at {@code at}. */
    Answer history(String at, int limit) throws PageStoreException {
        HttpUrl.Builder u = url("history");
        if (at != null) {
            u.addQueryParameter("at", at);
        } else {
            u.addQueryParameter("limit", Integer.toString(limit));
        }
        return execute(get(u.build()), true, "the history request", null);
    }

    /** Makes a version current again as one new commit; exactly once through {@code key}. */
    Answer restore(Map<String, Object> spec, String key) throws PageStoreException {
        Request r = new Request.Builder().url(url("restore").build()).header("Idempotency-Key", key)
                .post(RequestBody.create(Json.write(spec), JSON)).build();
        return execute(r, true, "the restore", null);
    }

    /** Creates database {@code spec.name} as a fork of this one (not retried: a second try would see it exist). */
    Answer fork(Map<String, Object> spec) throws PageStoreException {
        Request r = new Request.Builder().url(url("fork").build()).post(RequestBody.create(Json.write(spec), JSON)).build();
        return execute(r, false, "the fork", null);
    }

    Answer commitStatus(String key) throws PageStoreException {
        return execute(get(url("commits").addPathSegment(key).build()), true, "the commit outcome look-up", null);
    }

    Answer stage(String stageId, int pageSize, byte[] frames) throws PageStoreException {
        Request r = withFrames(new Request.Builder().url(url("stage").addPathSegment(stageId)
                        .addQueryParameter("pageSize", Integer.toString(pageSize)).build()), frames).build();
        // re-uploading the same pages to a stage replaces them: safe to repeat
        return execute(r, true, "uploading a commit stage", null);
    }

    /** One commit attempt, never retried here: the caller resolves unknown outcomes. */
    /** Whether commits may use the patch format: false once the server refused it as unknown. */
    boolean patchesAccepted() {
        return patchesAccepted;
    }

    /** A patch commit was refused; an answer that does not know the format turns patches off. */
    void patchRefused(PageStoreException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("bad_frame") || m.contains("frames=")) {
            patchesAccepted = false;
        }
    }

    /** One commit attempt; {@code patched}: the body is in the patch format ({@link PagePatches}). */
    Answer commitOnce(String key, long base, long pageCount, int pageSize, String stageId, byte[] frames,
                      String incarnation, boolean patched) throws CallFailed {
        return commitOnce(key, base, pageCount, pageSize, stageId, frames, incarnation, patched, CommitBasis.STRICT);
    }

    /** A commit whose {@code basis} may let it land on a newer version than its base (protocol v1.1). */
    Answer commitOnce(String key, long base, long pageCount, int pageSize, String stageId, byte[] frames,
                      String incarnation, boolean patched, CommitBasis basis) throws CallFailed {
        HttpUrl.Builder u = url("commit").addQueryParameter("base", Long.toString(base))
                .addQueryParameter("pageCount", Long.toString(pageCount))
                .addQueryParameter("pageSize", Integer.toString(pageSize));
        if (basis.reads() != null) {
            u.addQueryParameter("reads", basis.reads());
        }
        if (!basis.after().isEmpty()) {
            u.addQueryParameter("after", String.join(",", basis.after()));
        }
        if (patched) {
            u.addQueryParameter("frames", "patch");
        }
        if (incarnation != null && !incarnation.isEmpty()) {
            u.addQueryParameter("incarnation", incarnation);
        }
        if (stageId != null) {
            u.addQueryParameter("stage", stageId);
        }
        Request.Builder rb = new Request.Builder().url(u.build()).header("Idempotency-Key", key)
                .header("X-Dosqlite-Client", clientId);
        if (cfg.sessionConsistency()) {
            rb.header("X-Dosqlite-Consistency", "session");
        }
        Request r = withFrames(rb, frames).build();
        return once(r, null);
    }

    Request exportRequest(long version) {
        HttpUrl.Builder u = url("export");
        if (version >= 0) {
            u.addQueryParameter("version", Long.toString(version));
        }
        return get(u.build());
    }

    Answer importOnce(String key, java.io.File file) throws CallFailed {
        Request r = new Request.Builder().url(url("import").build()).header("Idempotency-Key", key)
                .put(RequestBody.create(file, MediaType.get("application/vnd.sqlite3"))).build();
        return once(r, Duration.ZERO);
    }

    Answer commitStagedOnce(String key, long base, long pageCount, int pageSize, String stageId) throws CallFailed {
        return commitOnce(key, base, pageCount, pageSize, stageId, new byte[0], null, false);
    }

    /**
     * Starts a streamed download (no call timeout; the read timeout bounds each wait). The caller
     * reads and closes the response; error answers are thrown.
     */
    Response stream(Request r, String what) throws PageStoreException {
        Call call = client.newCall(r);
        call.timeout().timeout(0, TimeUnit.MILLISECONDS);
        stats.request(0);
        long epoch = cancelEpoch.get();
        inFlight.add(call);
        try {
            Response resp = call.execute();
            if (!resp.isSuccessful()) {
                try (resp) {
                    byte[] body = resp.body() == null ? new byte[0] : resp.body().bytes();
                    stats.received(body.length);
                    throw HttpErrors.fromAnswer(new Answer(resp.code(), resp.headers(), body), what, cfg);
                }
            }
            LOG.fine(r.method() + " " + r.url().encodedPath() + " -> " + resp.code() + " (streaming)");
            return resp;
        } catch (PageStoreException e) {
            throw e; // (it is an IOException too)
        } catch (IOException e) {
            throw HttpErrors.fromIOException(e, cancelEpoch.get() != epoch, what, cfg);
        } finally {
            inFlight.remove(call);
        }
    }

    // ---- machinery ----

    /** A POST of page frames, gzipped when the server accepts it and it pays (WireCompression). */
    private Request.Builder withFrames(Request.Builder rb, byte[] frames) {
        byte[] gz = cfg.compress() && gzipBodiesAccepted ? WireCompression.compressIfWorth(frames) : null;
        if (gz == null) {
            return rb.post(RequestBody.create(frames, OCTETS));
        }
        return rb.header("Content-Encoding", "gzip").post(RequestBody.create(gz, OCTETS));
    }

    private HttpUrl.Builder url(String endpoint) {
        return dbUrl.newBuilder().addPathSegment(endpoint);
    }

    private static Request get(HttpUrl url) {
        return new Request.Builder().url(url).get().build();
    }

    /**
     * Sends an idempotent (or, with {@code retry=false}, any) request; repeats it after connection
     * failures, 429 and 5xx answers, up to {@code maxRetries} times with exponential backoff. Timeouts
     * are not repeated (the caller's time budget is spent). Non-2xx answers are returned.
     */
    Answer execute(Request r, boolean retry, String what, Duration timeout) throws PageStoreException {
        if (closed) {
            throw closedError();
        }
        long epoch = cancelEpoch.get();
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                stats.retry();
                backoff(attempt, what);
                if (cancelEpoch.get() != epoch) {
                    throw new PageStoreException(Kind.UNAVAILABLE, what + " was cancelled (connection aborted)");
                }
            }
            boolean last = !retry || attempt >= cfg.maxRetries();
            try {
                Answer a = once(r, timeout);
                if (!last && (a.code() == 429 || (a.code() >= 500 && a.code() != 501))) {
                    continue;
                }
                return a;
            } catch (CallFailed f) {
                if (f.io instanceof PageStoreException corrupt) {
                    throw corrupt; // a damaged answer is reported, as a page failing its checksum is
                }
                if (last || f.cancelled || cancelEpoch.get() != epoch || HttpErrors.isTimeout(f.io)) {
                    throw HttpErrors.fromIOException(f.io, f.cancelled || cancelEpoch.get() != epoch, what, cfg);
                }
            }
        }
    }

    void backoff(int attempt, String what) throws PageStoreException {
        long ms = cfg.retryBackoff().toMillis() << Math.min(attempt - 1, 6);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException(Kind.UNAVAILABLE, what + " was interrupted", e);
        }
    }

    /** One HTTP exchange; the whole body is read. */
    Answer once(Request r, Duration timeout) throws CallFailed {
        if (closed) {
            throw new CallFailed(new IOException(closedError().getMessage()), true);
        }
        if (r.header("Accept-Encoding") == null) {
            // Named here, OkHttp leaves the answer as it came: bytes are counted as they crossed the wire.
            r = r.newBuilder().header("Accept-Encoding", cfg.compress() ? "gzip" : "identity").build();
        }
        LeaseRider lr = rider;
        String socket = lr == null ? null : lr.socket();
        if (socket != null) {
            r = r.newBuilder().header("X-Dosqlite-Client", clientId).header("X-Dosqlite-Lease", socket).build();
        }
        Call call = client.newCall(r);
        Duration t = timeout != null ? timeout : callTimeout;
        call.timeout().timeout(t.toMillis(), TimeUnit.MILLISECONDS);
        long up = 0;
        try {
            up = r.body() == null ? 0 : r.body().contentLength();
        } catch (IOException ignored) {
            // byte arrays know their length
        }
        stats.request(up);
        long start = System.nanoTime();
        long epoch = cancelEpoch.get();
        inFlight.add(call);
        try (Response resp = call.execute()) {
            if (socket != null) {
                String ms = resp.header("X-Dosqlite-Lease-Ms");
                if (ms != null) {
                    lr.renewed(socket, start, Long.parseLong(ms));
                }
            }
            ResponseBody body = resp.body();
            byte[] bytes = body == null ? new byte[0] : body.bytes();
            stats.received(bytes.length);
            long wire = bytes.length;
            if ("gzip".equalsIgnoreCase(resp.header("Content-Encoding"))) {
                try {
                    bytes = WireCompression.inflate(bytes);
                } catch (IOException e) {
                    // gzip's own CRC caught damage in transit: as a page failing its checksum (invariant 6)
                    throw new CallFailed(new PageStoreException(Kind.CORRUPT, r.method() + " " + r.url().encodedPath()
                            + ": the gzip answer is damaged (" + e.getMessage() + "); nothing of it was used", e), false);
                }
            }
            if (!gzipBodiesAccepted && WireCompression.serverAcceptsGzip(resp.header("Accept-Encoding"))) {
                gzipBodiesAccepted = true;
            }
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine(r.method() + " " + r.url().encodedPath() + (r.url().encodedQuery() == null ? "" : "?" + r.url().encodedQuery())
                        + " -> " + resp.code() + " (" + up + " B up, " + wire + " B down"
                        + (wire != bytes.length ? " (" + bytes.length + " inflated)" : "") + ", "
                        + (System.nanoTime() - start) / 1_000_000 + " ms)");
            }
            return new Answer(resp.code(), resp.headers(), bytes);
        } catch (IOException e) {
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine(r.method() + " " + r.url().encodedPath() + " failed after "
                        + (System.nanoTime() - start) / 1_000_000 + " ms: " + e);
            }
            // When a server or proxy drops its keep-alive connections, every idle one in the pool is
            // dead: a retry that picked the next one would fail the same way (seen when a proxy was
            // restarted after concurrent stage uploads had left several idle connections).
            client.connectionPool().evictAll();
            // OkHttp marks a call that hit its call timeout as canceled too: only cancelAll() counts here
            throw new CallFailed(e, cancelEpoch.get() != epoch);
        } finally {
            inFlight.remove(call);
        }
    }
}
