package io.dosqlite.remote;

import io.dosqlite.vfs.PageStore;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;

import java.time.Duration;
import java.util.SortedMap;
import java.util.logging.Level;

/**
 * {@link PageStore} backed by the page server's HTTP API (protocol v1), with a version-correct page
 * cache shared by all snapshots, batched reads with read-ahead, one-request version checks and
 * exactly-once commits. Thread-safe; one instance per database per JVM.
 *
 * <p>Round trips: {@link #beginRead()} = 1 request ({@code changes?since}); a cached page = 0; a
 * missed page = 1 {@code /read} (with read-ahead when access is sequential); a commit = 1 request
 * (plus stage uploads above the request limit).
 */
public final class RemotePageStore implements PageStore {

    private final RemoteConfig config;
    private final ClientStats stats;
    private final PageApi api;
    private final PageCache cache;
    private final TreeHints treeHints = new TreeHints();
    private final ThreadLocal<OptimisticScope> optimistic = new ThreadLocal<>();
    /** The newest version, page size and page count this store has seen; what optimism pins. */
    private volatile DbState known;
    /** Which life of the database the cache holds pages of (see {@link Changes#incarnation()}). */
    private String incarnation;
    private volatile boolean closed;

    private RemotePageStore(RemoteConfig config, PageApi api, PageCache cache, ClientStats stats) {
        this.config = config;
        this.api = api;
        this.cache = cache;
        this.stats = stats;
    }

    /**
     * Connects to the database named in {@code config}: checks it exists (or creates it when
     * {@link RemoteConfig#createIfMissing()}) and prefetches its b-tree interior pages, in one
     * request: the interior-page answer carries the database's version, size and incarnation.
     *
     * @throws PageStoreException NOT_FOUND if it does not exist, AUTH for a wrong token,
     *                            UNAVAILABLE if the server cannot be reached, TIMEOUT, ...
     */
    public static RemotePageStore open(RemoteConfig config) throws PageStoreException {
        ClientStats stats = new ClientStats();
        PageApi api = new PageApi(config, SharedHttp.forStore(config), stats);
        long prefetchBytes = config.prefetchInterior() ? Math.min(16L * 1024 * 1024, config.cacheBytes() / 2) : 0;
        Answer a = prefetchBytes > 0 ? api.interior(-1, prefetchBytes) : api.info(null);
        Answer interior = null;
        if (a.ok() && prefetchBytes > 0) {
            interior = a;
            if (a.header("X-Dosqlite-Page-Count") == null) {
                a = api.info(null); // a page server older than the combined answer
            }
        } else if (prefetchBytes > 0 && a.code() != 404) {
            a = api.info(null); // the prefetch is an optimisation: let the info request report errors
        }
        if (a.code() == 404) {
            if (!config.createIfMissing()) {
                throw HttpErrors.fromAnswer(a, "opening the database", config);
            }
            if (config.readOnly()) {
                throw new PageStoreException(Kind.NOT_FOUND, "database '" + config.database()
                        + "' does not exist and readOnly=true does not create it: create it first");
            }
            a = api.create(config.pageSizeForNew());
        }
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "opening the database", config);
        }
        DbState info;
        String incarnation;
        if (a == interior) {
            info = new DbState(headerLong(a, "X-Dosqlite-Version"), pageSizeHeader(a, 0),
                    headerLong(a, "X-Dosqlite-Page-Count"));
            incarnation = a.header("X-Dosqlite-Incarnation");
        } else {
            info = DbState.parse(a.body(), "opening the database");
            incarnation = Changes.incarnation(Json.parse(a.body(), "opening the database"));
        }
        RemotePageStore store = new RemotePageStore(config, api,
                new PageCache(config.cacheBytes(), info.version(), info.pageCount()), stats);
        store.learn(info);
        store.incarnation = incarnation;
        if (interior != null) {
            store.cacheInterior(interior, info);
        }
        return store;
    }

    private void cacheInterior(Answer a, DbState info) {
        try {
            long version = headerLong(a, "X-Dosqlite-Version");
            if (version != info.version() || info.pageCount() == 0) {
                return; // a commit landed between the prefetch and the info request of an old server
            }
            int ps = pageSizeHeader(a, info.pageSize());
            PageFrames.Decoded d = PageFrames.decode(a.body(), ps, null);
            for (int i = 0; i < d.size(); i++) {
                cache.put(d.pageNos()[i], version, d.pages()[i]);
                treeHints.learn(d.pageNos()[i], d.pages()[i], ps, info.pageCount());
            }
            statsLive().pagesFetched(d.size());
            PageApi.LOG.fine("prefetched " + d.size() + " interior pages of " + config.database() + "@" + version);
        } catch (PageStoreException e) {
            // only an optimisation: reads fetch what they need
            PageApi.LOG.log(Level.FINE, "interior page prefetch unusable, continuing without it", e);
        }
    }

    private static long headerLong(Answer a, String name) throws PageStoreException {
        String h = a.header(name);
        try {
            return Long.parseLong(h.trim());
        } catch (NullPointerException | NumberFormatException e) {
            throw new PageStoreException(Kind.CORRUPT, "missing or malformed " + name + " header: " + h);
        }
    }

    @Override
    public Snapshot beginRead() throws PageStoreException {
        checkOpen();
        OptimisticScope scope = optimistic.get();
        DbState k = known;
        if (scope != null && k != null && k.pageCount() > 0) {
            cache.pin(k.version());
            RemoteSnapshot s = new RemoteSnapshot(this, k.version(), k.pageSize(), k.pageCount());
            if (scope.provesByRead()) {
                s.proveByFirstRead();
            }
            scope.started(s);
            return s;
        }
        DbState s = versionCheck();
        return new RemoteSnapshot(this, s.version(), s.pageSize(), s.pageCount());
    }

    /**
     * For SQLite's lock-less reads (the header and size when a connection opens): the newest version
     * this store knows, without a version check, when page 1 of it is cached. SQLite validates the
     * header again under its lock, in a transaction that makes the check. Saves the version check
     * each new connection used to cost.
     */
    @Override
    public Snapshot beginUnlockedRead() throws PageStoreException {
        checkOpen();
        DbState k = known;
        if (k == null || k.pageCount() == 0 || !cache.contains(1, k.version())) {
            return beginRead();
        }
        cache.pin(k.version());
        return new RemoteSnapshot(this, k.version(), k.pageSize(), k.pageCount());
    }

    /**
     * Until {@link #endOptimistic()}, transactions this thread starts skip the version check and
     * read the newest version this store knows: a write transaction then costs one request, its
     * commit, whose base version the server checks. For JDBC statements that return no rows
     * (executeUpdate) in autocommit mode, which can run again if they turn out to have read an
     * old version.
     */
    public OptimisticScope beginOptimistic() {
        OptimisticScope scope = new OptimisticScope(this, false);
        optimistic.set(scope);
        return scope;
    }

    /**
     * Like {@link #beginOptimistic()}, for a query that returns nothing before the scope is
     * settled: the first page this thread's transaction has to fetch also proves (from the same
     * answer) that the version it reads is current, so a cold lookup saves the version check; if
     * the version turned out old, that read fails and {@link OptimisticScope#mustRunAgain()} says
     * so. A query that fetches nothing is proven by one version check, as before.
     */
    public OptimisticScope beginOptimisticQuery() {
        OptimisticScope scope = new OptimisticScope(this, true);
        optimistic.set(scope);
        return scope;
    }

    /**
     * Ends {@link #beginOptimistic()} on this thread and says whether the statement must run
     * again: true if a commit was refused as stale (CONFLICT), or a transaction that wrote nothing
     * read a version that is no longer current (one version check). Nothing a true answer covers
     * was committed. A commit that failed otherwise may have been applied: false, and its error
     * stands.
     */
    public boolean endOptimistic() throws PageStoreException {
        OptimisticScope scope = optimistic.get();
        optimistic.remove();
        return scope != null && scope.mustRunAgain();
    }

    /**
     * Ends {@link #beginOptimistic()} on this thread without proving anything. For reads SQLite
     * validates by itself, such as preparing a statement, whose schema cookie SQLite checks again
     * (and re-prepares) when the statement runs in a transaction that made the version check; and
     * for a transaction that goes on after the statement, proven later by
     * {@link OptimisticScope#mustRunAgain()}.
     */
    public void leaveOptimistic() {
        optimistic.remove();
    }

    /** The version check, applied to the cache, without keeping the version pinned. */
    DbState checkVersion() throws PageStoreException {
        DbState s = versionCheck();
        cache.unpin(s.version());
        return s;
    }

    /**
     * Asks which pages changed since the newest version known, drops exactly those from the cache
     * (all of them if the database was deleted and created again), and pins the answered version.
     */
    private DbState versionCheck() throws PageStoreException {
        long since = cache.checkedVersion();
        Changes c = changes(since);
        DbState state = new DbState(c.version(), c.pageSize(), c.pageCount());
        synchronized (this) {
            if (c.incarnation() != null && !c.incarnation().equals(incarnation)) {
                if (incarnation != null) {
                    PageApi.LOG.fine(config.database() + " was deleted and created again: dropping its cached pages");
                    cache.clear();
                    treeHints.clear();
                    known = state;
                }
                incarnation = c.incarnation();
            }
        }
        cache.applyChangesAndPin(since, c.version(), c.pageCount(), c.changed(), c.complete());
        learn(state);
        return state;
    }

    private Changes changes(long since) throws PageStoreException {
        Answer a = api.changes(since);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the version check", config);
        }
        return Changes.parse(a.body(), "the version check");
    }

    /** The incarnation of the database the cache holds pages of ("" if the server sends none). */
    synchronized String incarnation() {
        return incarnation == null ? "" : incarnation;
    }

    void learn(DbState state) {
        synchronized (this) {
            if (known == null || state.version() > known.version()) {
                known = state;
            }
        }
    }

    /** Live counters of this store (see {@link ClientStats#snapshot()} and {@link ClientStats#reset()}). */
    public ClientStats stats() {
        return statsLive();
    }

    /**
     * A cheap authenticated request (database info), one attempt bounded by {@code timeout}
     * ({@code null} or zero: the store's call timeout); for JDBC {@code isValid}.
     */
    public void ping(Duration timeout) throws PageStoreException {
        checkOpen();
        Duration t = timeout == null || timeout.isZero() || timeout.isNegative() ? api.callTimeout() : timeout;
        if (t.isZero()) {
            t = config.readTimeout().isZero() ? Duration.ofSeconds(30) : config.readTimeout();
        }
        Answer a = api.info(t);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the ping", config);
        }
    }

    /** Cancels every HTTP call of this store in flight (JDBC {@code abort}); they fail with UNAVAILABLE/UNKNOWN_OUTCOME. */
    public void cancelInFlight() {
        api.cancelAll();
    }

    /** Bounds every later HTTP call (JDBC {@code setNetworkTimeout}); {@link Duration#ZERO} = no limit. */
    public void setCallTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be >= 0");
        }
        api.setCallTimeout(timeout);
    }

    /** The current per-call timeout. */
    public Duration callTimeout() {
        return api.callTimeout();
    }

    public RemoteConfig config() {
        return config;
    }

    /** The newest version this store has seen. */
    public long knownVersion() {
        return cache.checkedVersion();
    }

    /** Bytes currently held by the page cache. */
    public long cachedBytes() {
        return cache.bytes();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            api.cancelAll();
            cache.clear();
            treeHints.clear();
        }
    }

    // ---- for RemoteSnapshot ----

    PageCache cache() {
        return cache;
    }

    TreeHints treeHints() {
        return treeHints;
    }

    ClientStats statsLive() {
        return stats;
    }

    /** A stage that uploads the pages of one large write transaction while it runs. */
    BackgroundStage newStage(int pageSize) {
        return new BackgroundStage(api, pageSize);
    }

    /**
     * Pages read at one version, the version that was current when the server read them (-1: not
     * said) and the database's incarnation (null: not said).
     */
    record Fetched(PageFrames.Decoded pages, long current, String incarnation) {
    }

    Fetched fetch(long version, int pageSize, long[] pages) throws PageStoreException {
        checkOpen();
        Answer a = api.read(version, pages);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "reading pages", config);
        }
        String v = a.header("X-Dosqlite-Version");
        if (v != null && !v.trim().equals(Long.toString(version))) {
            throw new PageStoreException(Kind.CORRUPT, "asked for pages of version " + version
                    + ", the page server answered version " + v.trim());
        }
        int ps = pageSizeHeader(a, pageSize);
        if (ps != pageSize) {
            throw new PageStoreException(Kind.CORRUPT, "the page server sent " + ps + "-byte pages, the snapshot has "
                    + pageSize + "-byte pages");
        }
        PageFrames.Decoded d = PageFrames.decode(a.body(), ps, pages);
        statsLive().pagesFetched(d.size());
        String current = a.header("X-Dosqlite-Current-Version");
        long cur = -1;
        if (current != null) {
            try {
                cur = Long.parseLong(current.trim());
            } catch (NumberFormatException e) {
                throw new PageStoreException(Kind.CORRUPT, "malformed X-Dosqlite-Current-Version header: " + current);
            }
        }
        return new Fetched(d, cur, a.header("X-Dosqlite-Incarnation"));
    }

    CommitResult commit(long base, String incarnation, SortedMap<Long, byte[]> pages, long newPageCount, int pageSize,
                        BackgroundStage stage) throws PageStoreException {
        checkOpen();
        try {
            SortedMap<Long, byte[]> send = pages;
            String stageId = null;
            if (stage != null && stage.started()) {
                SortedMap<Long, byte[]> rest = stage.remainder(pages, newPageCount, pageSize);
                if (rest != null) {
                    send = rest;
                    stageId = stage.stageId();
                }
            }
            CommitResult r = CommitProtocol.commit(api, statsLive(), base, incarnation, send, newPageCount, pageSize,
                    stageId, pageNo -> cache.peek(pageNo, base));
            statsLive().commit(pages.size());
            return r;
        } catch (PageStoreException e) {
            if (e.kind() == Kind.CONFLICT) {
                statsLive().conflict();
                refreshAfterConflict();
            }
            throw e;
        }
    }

    /**
     * Learns the newer version a refused commit ran into, so the caller's retry (which may start
     * optimistically, on the newest version known) does not run into the same conflict again.
     */
    private void refreshAfterConflict() {
        try {
            checkVersion();
        } catch (PageStoreException e) {
            PageApi.LOG.log(Level.FINE, "version check after a conflict failed; the next transaction checks again", e);
        }
    }

    private static int pageSizeHeader(Answer a, int fallback) throws PageStoreException {
        String h = a.header("X-Dosqlite-Page-Size");
        if (h == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(h.trim());
        } catch (NumberFormatException e) {
            throw new PageStoreException(Kind.CORRUPT, "malformed X-Dosqlite-Page-Size header: " + h);
        }
    }

    private void checkOpen() throws PageStoreException {
        if (closed) {
            throw new PageStoreException(Kind.IO, "the page store of '" + config.database() + "' is closed");
        }
    }

    @Override
    public String toString() {
        return "RemotePageStore{" + config.baseUrl() + "/" + config.database() + "@" + cache.checkedVersion() + "}";
    }
}
