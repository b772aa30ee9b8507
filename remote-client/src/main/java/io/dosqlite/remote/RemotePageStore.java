package io.dosqlite.remote;

import io.dosqlite.vfs.PageStore;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Session;
import io.dosqlite.vfs.Snapshot;

import java.time.Duration;
import java.util.logging.Level;

/**
 * {@link PageStore} backed by the page server's HTTP API (protocol v1), with a version-correct page
 * cache shared by all snapshots, batched reads with read-ahead, one-request version checks and
 * exactly-once commits. Thread-safe; one instance per database per JVM.
 *
 * <p>Round trips: {@link #beginRead(Session)} = 1 request ({@code changes?since}); a cached page = 0; a
 * missed page = 1 {@code /read} (with read-ahead when access is sequential); a commit = 1 request
 * (plus stage uploads above the request limit).
 */
public final class RemotePageStore implements PageStore {

    private final RemoteConfig config;
    private final ClientStats stats;
    private final PageApi api;
    private final PageCache cache;
    private final TreeHints treeHints;
    private final KnownState known;
    private final VersionCheck versions;
    private final SnapshotParts parts;
    /** The read lease and push channel, or null when leases are off. */
    private final LeaseChannel lease;
    private final Turns turns;
    private volatile boolean closed;

    /**
     * How long a refused commit's retry waits for the version it ran into to arrive on the push
     * channel (it was sent before the refusal) before asking for it instead.
     */
    private static final long AWAIT_PUSH_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

    private RemotePageStore(RemoteConfig config, PageApi api, PageCache cache, ClientStats stats, KnownState known) {
        this.config = config;
        this.api = api;
        this.cache = cache;
        this.stats = stats;
        this.known = known;
        this.treeHints = new TreeHints();
        this.versions = new VersionCheck(api, cache, treeHints, known);
        this.lease = config.leases() ? new LeaseChannel(api, cache, versions, known, stats) : null;
        this.turns = new Turns(stats);
        LeasedPages leased = lease == null ? new LeasedPages() : lease.leased();
        Commits commits = new Commits(api, stats, cache, treeHints, known, versions, lease == null ? () -> { } : lease::distrust,
                leased, turns);
        CommitChain chain = new CommitChain(commits, known, config.readOnly() ? 0 : config.pipelineDepth());
        this.parts = new SnapshotParts(config, cache, treeHints, stats, new PageReads(api, stats, leased), commits, chain,
                versions, leased);
        if (lease != null) {
            lease.ownCommits(chain::pending);
            versions.pushedBy(v -> lease.awaitApplied(v, AWAIT_PUSH_NANOS));
            turns.pushedBy(lease::awaitApplied);
            api.ride(lease);
        }
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
        if (config.readsThePast()) {
            return openPast(config, api, stats, prefetchBytes);
        }
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
            info = new DbState(Headers.requireLong(a, "X-Dosqlite-Version"), Headers.pageSize(a, 0),
                    Headers.requireLong(a, "X-Dosqlite-Page-Count"));
            incarnation = a.header("X-Dosqlite-Incarnation");
        } else {
            info = DbState.parse(a.body(), "opening the database");
            incarnation = Changes.incarnation(Json.parse(a.body(), "opening the database"));
        }
        RemotePageStore store = new RemotePageStore(config, api,
                new PageCache(config.cacheBytes(), info.version(), info.pageCount()), stats,
                new KnownState(info, incarnation));
        if (interior != null) {
            store.cacheInterior(interior, info);
        }
        store.connectLease(); // after the prefetch: its first lease request lists those pages
        return store;
    }

    /**
     * A store of one version of the past ({@link RemoteConfig#readsThePast()}): the version is
     * resolved once (a time costs one {@code /history?at=} request), then the interior prefetch at
     * that version also gives its page count. Every transaction reads that version with no request
     * but the pages it misses, through the same cache and read-ahead as the present.
     */
    private static RemotePageStore openPast(RemoteConfig config, PageApi api, ClientStats stats, long prefetchBytes)
            throws PageStoreException {
        long version = config.asOfVersion();
        if (version < 0) {
            Answer h = api.history(config.asOf().toString(), 1);
            if (!h.ok()) {
                throw HttpErrors.fromAnswer(h, "finding the version at " + config.asOf(), config);
            }
            version = Json.requireLong(Json.parse(h.body(), "the history request").path("versions").path(0),
                    "version", "the history request");
        }
        Answer a = api.interior(version, prefetchBytes);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "opening version " + version, config);
        }
        DbState info = new DbState(version, Headers.pageSize(a, 0), Headers.requireLong(a, "X-Dosqlite-Page-Count"));
        RemotePageStore store = new RemotePageStore(config, api, new PageCache(config.cacheBytes(), version, info.pageCount()),
                stats, new KnownState(info, a.header("X-Dosqlite-Incarnation")));
        if (prefetchBytes > 0) {
            store.cacheInterior(a, info);
        }
        store.connectLease();
        PageApi.LOG.fine("reading " + config.database() + " as of version " + version);
        return store;
    }

    private void connectLease() {
        if (lease != null) {
            lease.connect();
        }
    }

    private void cacheInterior(Answer a, DbState info) {
        try {
            long version = Headers.requireLong(a, "X-Dosqlite-Version");
            if (version != info.version() || info.pageCount() == 0) {
                return; // a commit landed between the prefetch and the info request of an old server
            }
            int ps = Headers.pageSize(a, info.pageSize());
            parts.reads().learnLimit(a);
            PageFrames.Decoded d = PageFrames.decode(a.body(), ps, null);
            for (int i = 0; i < d.size(); i++) {
                cache.put(d.pageNos()[i], version, d.pages()[i]);
                treeHints.learn(d.pageNos()[i], d.pages()[i], ps, info.pageCount());
            }
            stats.pagesFetched(d.size());
            PageApi.LOG.fine("prefetched " + d.size() + " interior pages of " + config.database() + "@" + version);
        } catch (PageStoreException e) {
            // only an optimisation: reads fetch what they need
            PageApi.LOG.log(Level.FINE, "interior page prefetch unusable, continuing without it", e);
        }
    }

    /** A session for one SQLite connection: its last error and how its transactions start. */
    @Override
    public RemoteSession newSession() {
        return new RemoteSession(versions, known, stats, turns);
    }

    /**
     * A snapshot of the current version (one version check), or, while the connection's session
     * is optimistic, of the newest version this store knows (no request; proven later).
     */
    @Override
    public Snapshot beginRead(Session session) throws PageStoreException {
        Snapshot s = beginReadAt(session);
        if (s instanceof RemoteSnapshot && session instanceof RemoteSession) {
            ((RemoteSnapshot) s).hintsFrom((RemoteSession) session);
        }
        return s;
    }

    private Snapshot beginReadAt(Session session) throws PageStoreException {
        checkOpen();
        OptimisticScope scope = session instanceof RemoteSession ? ((RemoteSession) session).scope() : null;
        if (config.readsThePast()) {
            RemoteSnapshot s = pinned(known.newest()); // one fixed version: nothing to check or prove
            if (scope != null) {
                s.provenByLease();
                scope.started(s);
            }
            return s;
        }
        CommitChain chain = parts.chain();
        if (scope != null && !scope.provesByRead() && chain.enabled()) {
            // a write joins the chain: it reads the commits of this JVM not yet acknowledged
            CommitChain.View view = chain.tip();
            RemoteSnapshot s;
            if (view.links.isEmpty()) {
                DbState leased = lease == null ? null : lease.pinIfTrusted();
                s = leased != null ? new RemoteSnapshot(parts, leased.version(), leased.pageSize(), leased.pageCount(),
                        known.incarnation()) : pinned(known.newest());
                if (leased != null) {
                    stats.leaseRead();
                    s.provenByLease();
                    s.startedOnLease();
                }
            } else {
                s = pinned(view.base);
            }
            s.joinChain(view, session.readSet(), (RemoteSession) session);
            scope.started(s);
            return s;
        }
        // A read whose SQLite may hold a hot page (LeasedPages#anyHot) makes the version check: its
        // proof could not show that copy current (a version that changed it did not wait for us).
        boolean leaseReads = lease != null && !parts.leased().anyHot(session.readSet().pages());
        if (leaseReads) {
            // a trusted lease: the newest version known is current, no request and nothing to prove
            DbState leased = lease.pinIfTrusted();
            if (leased != null) {
                stats.leaseRead();
                RemoteSnapshot s = new RemoteSnapshot(parts, leased.version(), leased.pageSize(), leased.pageCount(),
                        known.incarnation());
                s.readSet(session.readSet());
                s.startedOnLease();
                if (scope != null) {
                    s.provenByLease();
                    scope.started(s);
                }
                return s;
            }
        }
        DbState k = known.newest();
        if (scope != null && k.pageCount() > 0) {
            if (leaseReads) {
                // proven by its first read as without leases; the lease comes back for later ones
                lease.wake();
            }
            RemoteSnapshot s = pinned(k);
            s.readSet(session.readSet());
            if (scope.provesByRead()) {
                s.proveByFirstRead();
            }
            scope.started(s);
            return s;
        }
        if (leaseReads) {
            // no trusted lease: its renewal is the version check (one round trip on the socket)
            DbState leased = lease.renewAndPin();
            if (leased != null) {
                RemoteSnapshot s = new RemoteSnapshot(parts, leased.version(), leased.pageSize(), leased.pageCount(), known.incarnation());
                s.readSet(session.readSet());
                return s;
            }
        }
        DbState s = versions.checkAndPin();
        RemoteSnapshot snap = new RemoteSnapshot(parts, s.version(), s.pageSize(), s.pageCount(), known.incarnation());
        snap.readSet(session.readSet());
        return snap;
    }

    /**
     * For SQLite's lock-less reads (the header and size when a connection opens): the newest version
     * this store knows, without a version check, when page 1 of it is cached. SQLite validates the
     * header again under its lock, in a transaction that makes the check. Saves the version check
     * each new connection used to cost.
     */
    @Override
    public Snapshot beginUnlockedRead(Session session) throws PageStoreException {
        checkOpen();
        DbState k = known.newest();
        if (k.pageCount() == 0 || !cache.contains(1, k.version())) {
            return beginRead(session);
        }
        return pinned(k);
    }

    private RemoteSnapshot pinned(DbState k) {
        cache.pin(k.version());
        return new RemoteSnapshot(parts, k.version(), k.pageSize(), k.pageCount(), known.incarnation());
    }

    /** Whether this store holds a trusted read lease now (tests wait for it). */
    boolean leaseTrusted() {
        return lease != null && lease.trustedNow();
    }

    /** Whether a transaction on the lease may read cached page {@code pageNo} without proving (tests wait for it). */
    boolean leaseRecords(long pageNo) {
        LeasedPages l = parts.leased();
        return l.usable(l.selectiveGeneration(), pageNo);
    }

    /** Live counters of this store (see {@link ClientStats#snapshot()} and {@link ClientStats#reset()}). */
    public ClientStats stats() {
        return stats;
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
            if (lease != null) {
                lease.close();
            }
            api.close();
            cache.clear();
            treeHints.clear();
        }
    }

    /** What this store's snapshots read and commit through. */
    SnapshotParts parts() {
        return parts;
    }

    private void checkOpen() throws PageStoreException {
        if (closed) {
            throw api.closedError();
        }
    }

    @Override
    public String toString() {
        return "RemotePageStore{" + config.baseUrl() + "/" + config.database() + "@" + cache.checkedVersion() + "}";
    }
}
