package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One pinned version of a {@link RemotePageStore}'s database: reads come from the shared cache or
 * from {@code /read} at this version (batched with read-ahead); commit publishes on top of it.
 */
final class RemoteSnapshot implements Snapshot {
    /** How long a transaction on the lease waits for pages an earlier one asked to have recorded, before proving instead. */
    private static final long AWAIT_RECORDED_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    /** A read set longer than this goes unsent: the commit is then checked strictly (base must be current). */
    private static final int MAX_READS_CHARS = 6000;

    private final SnapshotParts parts;
    private final ReadAhead readAhead = new ReadAhead();
    private final long startVersion;
    private final String lineage;
    private long version;
    private int pageSize;
    private boolean commitAttempted;
    private boolean committedOnStart;
    private boolean conflicted;
    private long pageCount;
    private boolean closed;
    /** Started without a version check; the first fetch must show the version is current (see proveByFirstRead). */
    private boolean unprovenUntilRead;
    private boolean provenByRead;
    private boolean staleByRead;
    /** Uploads of the open write transaction's pages, started while it runs; null until it is large. */
    private BackgroundStage stage;
    private final ScanStreams streams = new ScanStreams();
    /** A miss outside every known b-tree order happened: rows here overflow (see readPage). */
    private boolean offTreeMiss;
    /** This snapshot's mark in the cache: read-ahead never evicts what it has used (see PageCache#beginUse). */
    private final long cacheUse;
    /** The chain view a write transaction started on (its pending commits read from here); null outside the chain. */
    private CommitChain.View view;
    /** This transaction's own commit, pipelined: its answer may still be on its way. */
    private CommitChain.Link link;
    /** The pages the connection's SQLite may hold, sent with a commit for the page-level check; may be null. */
    private io.dosqlite.vfs.ReadSet reads;
    private final long epoch;
    /** The connection whose pipelined commits its caller waits for; null when not a RemoteSession. */
    private RemoteSession owner;
    /** The connection whose statement's scan hint sizes a new stream's first read; null: no hint. */
    private RemoteSession hintSource;
    /** The chain view this transaction started on; null if it did not start on the chain. */
    private CommitChain.View startView;
    /** The lease generation whose recorded pages alone it reads without asking (0: any cached page; see LeasedPages). */
    private final long leaseGen;
    /**
     * Started on a lease that does not make commits wait for this store unless it may cache a page
     * they change: its first fetch names what it read, and reads at the newest version where none
     * of that changed (see {@link #readPage}).
     */
    private boolean mustProve;
    /** Whether the connection's SQLite may hold pages the server does not know are cached here (see readPage). */
    private Boolean pagerUnrecorded;
    /**
     * A write on the chain read hot pages from the cache without the proving fetch (see readPage):
     * its commit's page check proves them, and if it commits nothing, a version check does.
     */
    private boolean skippedProof;

    /** {@code version} must be pinned in the cache; {@link #close()} unpins it. */
    RemoteSnapshot(SnapshotParts parts, long version, int pageSize, long pageCount, String lineage) {
        this.parts = parts;
        this.startVersion = version;
        this.lineage = lineage;
        this.version = version;
        this.pageSize = pageSize;
        this.pageCount = pageCount;
        this.cacheUse = parts.cache().beginUse();
        this.epoch = parts.chain().epoch();
        this.leaseGen = parts.leased().selectiveGeneration();
    }

    /**
     * Began on a trusted lease, with no version check. Where the server waits only for holders of
     * changed pages, a commit this store has no page of may have been answered, without waiting
     * for it, before this transaction began: what it reads of the pages the server knows are
     * cached here is as good as that version (the server would have waited otherwise); its first
     * fetch, or first read of any other page, names what it read and reads at the newest version
     * where none of that changed (see {@link #proved}). After that it reads like any snapshot.
     */
    synchronized void startedOnLease() {
        mustProve = leaseGen != 0;
    }

    /** Starts this write transaction on the chain: it reads {@code view}'s pending commits and pipelines its own. */
    synchronized void joinChain(CommitChain.View view, io.dosqlite.vfs.ReadSet reads, RemoteSession owner) {
        this.owner = owner;
        this.view = view;
        this.startView = view;
        this.reads = reads;
        if (!view.links.isEmpty()) {
            pageCount = view.pageCount();
            pageSize = view.pageSize();
        }
    }

    synchronized void hintsFrom(RemoteSession session) {
        this.hintSource = session;
    }

    synchronized void readSet(io.dosqlite.vfs.ReadSet reads) {
        this.reads = reads;
    }

    @Override
    public synchronized long version() {
        return version;
    }

    @Override
    public synchronized int pageSize() {
        return pageCount == 0 ? 0 : pageSize;
    }

    @Override
    public synchronized long pageCount() {
        return pageCount;
    }

    @Override
    public synchronized void readPage(long pageNo, byte[] dst, int offset) throws PageStoreException {
        checkOpen();
        if (pageNo < 1 || pageNo > pageCount) {
            throw new PageStoreException(Kind.INVALID, "page " + pageNo + " is outside the database (version "
                    + version + " has " + pageCount + " pages)");
        }
        if (offset < 0 || offset + pageSize > dst.length) {
            throw new PageStoreException(Kind.INVALID, "buffer too small for a " + pageSize + "-byte page");
        }
        PageCache cache = parts.cache();
        ClientStats stats = parts.stats();
        byte[] pending = view == null ? null : view.page(pageNo);
        // Until proven (mustProve), only pages the server knows are cached here are as good as the
        // versions answered before this transaction began: any other, or a SQLite page cache that
        // may hold one (it is not asked again before use), makes this read the proving fetch.
        LeasedPages leased = parts.leased();
        if (mustProve && pagerUnrecorded == null) {
            java.util.BitSet held = reads == null ? null : reads.pages();
            if (held != null) {
                // pages an earlier transaction used and asked to have recorded: their answer is near
                leased.awaitRecorded(p -> p <= Integer.MAX_VALUE && held.get((int) p), AWAIT_RECORDED_NANOS);
            }
            pagerUnrecorded = held != null && !leased.usableAll(leaseGen, held, false);
            if (pagerUnrecorded && view != null && leased.usableAll(leaseGen, held, true)) {
                pagerUnrecorded = false; // only hot pages: a write proves them as below
                skippedProof = true;
            }
        }
        boolean recorded = leased.usable(leaseGen, pageNo);
        if (!recorded && mustProve && leased.awaitRecorded(p -> p == pageNo, AWAIT_RECORDED_NANOS)) {
            recorded = leased.usable(leaseGen, pageNo);
        }
        boolean prove = mustProve && (pagerUnrecorded || !recorded);
        // A write on the chain reading a page the server unrecorded because others write it too:
        // the cached image (its pushes still come) instead of a proving fetch, a round trip that
        // would only move the read forward for a commit the server checks page by page anyway.
        boolean hotWrite = prove && !pagerUnrecorded && view != null && leased.hot(pageNo);
        PageCache.Hit hit = pending != null || (prove && !hotWrite) ? PageCache.Hit.MISS : cache.get(pageNo, version, dst, offset);
        if (hotWrite && hit != PageCache.Hit.MISS) {
            skippedProof = true;
        }
        if (hit != PageCache.Hit.MISS) {
            leased.used(pageNo, view != null); // if not recorded yet: later transactions on the lease trust it once it is
        }
        if (pending != null) {
            System.arraycopy(pending, 0, dst, offset, pageSize);
            stats.hit();
        } else if (hit != PageCache.Hit.MISS) {
            stats.hit();
            if (hit == PageCache.Hit.FIRST_READ_OF_READ_AHEAD) {
                stats.readAheadUsed(pageSize);
            }
        } else {
            stats.miss();
            long[] batch = batchFor(pageNo, cache);
            // a scan over rows that overflow: their chains come with the leaves (server-side walk)
            long overflowBytes = offTreeMiss && batch.length > 1
                    ? (long) (parts.reads().maxPagesPerRead(pageSize) - batch.length) * pageSize : 0;
            // only the page asked for is recorded as cached here: read-ahead guesses hold no commit back
            PageReads.Fetched f = parts.reads().fetch(version, pageSize, batch, overflowBytes, mustProve ? proof() : null, 1);
            if (mustProve) {
                proved(f);
            }
            PageFrames.Decoded d = f.pages();
            for (int i = 0; i < d.size(); i++) {
                if (d.pageNos()[i] > pageCount) {
                    throw new PageStoreException(Kind.CORRUPT, "the page server sent page " + d.pageNos()[i]
                            + " of a chain, beyond the " + pageCount + " pages of version " + version);
                }
                if (i == 0) {
                    cache.put(d.pageNos()[i], version, d.pages()[i]);
                } else {
                    cache.putSpeculative(d.pageNos()[i], version, d.pages()[i]);
                }
                parts.hints().learn(d.pageNos()[i], d.pages()[i], pageSize, pageCount);
            }
            stats.readAhead(d.size() - 1, (long) (d.size() - 1) * pageSize);
            if (unprovenUntilRead && f.current() >= 0) { // a server that does not say: a version check proves it
                unprovenUntilRead = false;
                // Not current: what this transaction reads may be older than a commit that finished
                // before it began. It goes on reading this version (consistently, nobody sees it)
                // and the caller runs the query again (OptimisticScope#mustRunAgain).
                staleByRead = f.current() != version || otherLife(f.incarnation());
                provenByRead = !staleByRead;
            }
            System.arraycopy(d.pages()[0], 0, dst, offset, pageSize);
            leased.used(pageNo, view != null); // if the read was not recorded (no socket yet when sent)
        }
    }

    /**
     * What this transaction read so far (what its connection's SQLite may hold, page 1 always),
     * for the server to find the newest version where none of it changed; null when too long.
     */
    private String proof() {
        String r = reads == null ? null : reads.ranges(MAX_READS_CHARS);
        return r == null ? null : r.isEmpty() ? "1" : "1," + r;
    }

    /**
     * The first fetch of a transaction begun on a selective lease: moves it to the version the
     * server chose (same content for everything it read), or, where the server could not choose
     * and a newer version is visible, makes its caller run it again (or fails it with 40001).
     */
    private void proved(PageReads.Fetched f) throws PageStoreException {
        mustProve = false;
        PageReads.Moved m = f.moved();
        if (m != null) {
            if (m.version() > version) {
                if (m.pageCount() != pageCount) {
                    throw new PageStoreException(Kind.CORRUPT, "the page server moved a read from version " + version
                            + " (" + pageCount + " pages) to " + m.version() + " with " + m.pageCount() + " pages");
                }
                PageCache cache = parts.cache();
                cache.pin(m.version());
                cache.unpin(version);
                parts.versions().moved(version, m.version(), pageSize, pageCount, m.changed());
                version = m.version();
            }
            return;
        }
        if (f.current() > version) {
            if (provenByRead) {
                provenByRead = false; // started in an OptimisticScope: its commit, or a version check, decides
                return;
            }
            throw new PageStoreException(Kind.CONFLICT, "the database changed while this transaction read version "
                    + version + " from the cache, and the server could not show that version is current for it"
                    + " (it read too many pages, or is too far behind); roll back and retry the transaction");
        }
    }

    /** Whether {@code incarnation} (from the server) is another life of the database than this snapshot's. */
    boolean otherLife(String incarnation) {
        return incarnation != null && !lineage.isEmpty() && !incarnation.equals(lineage);
    }

    /**
     * This snapshot began on the newest version known, without a version check, for a query
     * whose results nobody sees before {@link #settle()}: its first fetch proves the version.
     */
    synchronized void proveByFirstRead() {
        unprovenUntilRead = true;
    }

    /** The query's results are about to be seen: later fetches are ordinary reads of this version. */
    synchronized void settle() {
        unprovenUntilRead = false;
    }

    /** Whether a fetch showed that this snapshot's version was current at the time. */
    /** Started on a trusted read lease: the version was current when it started (invariant 5). */
    synchronized void provenByLease() {
        unprovenUntilRead = false;
        provenByRead = true;
    }

    synchronized boolean provenByRead() {
        return provenByRead;
    }

    /** Whether it read hot pages without proving them (only its commit, or a version check, proves it). */
    synchronized boolean skippedProof() {
        return skippedProof;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Whether a fetch showed that this snapshot's version was not current any more. */
    synchronized boolean staleByRead() {
        return staleByRead;
    }

    /**
     * The missed page first, then read-ahead candidates not yet cached, within the server's limit:
     * the pages after it in its b-tree's key order if it continues a scan (see {@link ScanStreams}),
     * else, where the tree order is unknown, the following page numbers if the misses are sequential.
     */
    private long[] batchFor(long pageNo, PageCache cache) {
        int maxPages = parts.reads().maxPagesPerRead(pageSize);
        // read ahead only into room the cache can give without evicting what open snapshots use
        maxPages = (int) Math.min(maxPages, 1 + cache.speculativeRoom((long) (maxPages - 1) * pageSize) / pageSize);
        LeafOrder order = new LeafOrder(cache, parts.hints(), version, pageSize, pageCount);
        if (order.knows(pageNo)) {
            long[] extra = streams.onMiss(pageNo, order, maxPages - 1, hintSource == null ? ScanHint.NONE : hintSource.scanning());
            long[] batch = new long[1 + extra.length];
            batch[0] = pageNo;
            System.arraycopy(extra, 0, batch, 1, extra.length);
            return dedupe(batch);
        }
        offTreeMiss = true; // an overflow page (no b-tree names it): later scan batches bring chains along
        int extra = readAhead.onMiss(pageNo, Math.min(maxPages, PageReads.PROTOCOL_1_MAX_PAGES) - 1);
        long[] batch = new long[1 + extra];
        batch[0] = pageNo;
        int n = 1;
        long last = Math.min(pageCount, pageNo + extra);
        for (long p = pageNo + 1; p <= last && n < batch.length; p++) {
            if (!cache.contains(p, version)) {
                batch[n++] = p;
            }
        }
        readAhead.fetchedThrough(last);
        return dedupe(n < batch.length ? java.util.Arrays.copyOf(batch, n) : batch);
    }

    /** Children lists of corrupt pages may repeat numbers: the server is asked for each page once. */
    private static long[] dedupe(long[] batch) {
        if (batch.length <= 1) {
            return batch;
        }
        java.util.LinkedHashSet<Long> seen = new java.util.LinkedHashSet<>();
        for (long p : batch) {
            seen.add(p);
        }
        if (seen.size() == batch.length) {
            return batch;
        }
        return seen.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public synchronized long commit(SortedMap<Long, byte[]> pages, long newPageCount, int pageSize) throws PageStoreException {
        checkOpen();
        RemoteConfig cfg = parts.config();
        if (cfg.readOnly()) {
            throw new PageStoreException(Kind.INVALID, "database '" + cfg.database()
                    + "' is open read-only (readOnly=true): writes are refused; open it without readOnly to write");
        }
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw new PageStoreException(Kind.INVALID, "invalid page size " + pageSize + ": use a power of two from 512 to 65536");
        }
        if (newPageCount < 0 || newPageCount > 0xFFFF_FFFFL) {
            throw new PageStoreException(Kind.INVALID, "invalid page count " + newPageCount);
        }
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            if (e.getKey() < 1 || e.getKey() > newPageCount) {
                throw new PageStoreException(Kind.INVALID, "page " + e.getKey() + " is outside the new page count " + newPageCount);
            }
        }
        SortedMap<Long, byte[]> images = new TreeMap<>(pages);
        long base = view == null || view.links.isEmpty() ? version : view.base.version();
        long committed;
        commitAttempted = true;
        BackgroundStage staged = stage;
        stage = null;
        CommitChain chain = parts.chain();
        String readRanges = reads == null ? null : reads.ranges(MAX_READS_CHARS);
        try {
            if (view != null && (staged == null || !staged.started())) {
                // pipelined: sent now, answered later (OptimisticScope#mustRunAgain waits for it)
                link = chain.append(view, new DbState(version, this.pageSize, pageCount), lineage, images,
                        newPageCount, pageSize, readRanges, owner == null ? null : owner.lastPipelined(), owner,
                        owner != null && !owner.synchronousCommit());
                if (owner != null) {
                    owner.pipelined(link);
                }
                CommitChain.View after = chain.viewWith(link);
                view = after != null ? after : new CommitChain.View(-1, view.base, java.util.List.of(link));
                pageCount = newPageCount;
                this.pageSize = pageSize;
                return version;
            }
            // outside the chain: after every pending commit, and only then acknowledged
            chain.drain();
            if (view != null && view.acknowledged() < 0) {
                throw new PageStoreException(Kind.CONFLICT, "an earlier commit this transaction was built on failed;"
                        + " roll back and retry the transaction");
            }
            CommitBasis basis = new CommitBasis(readRanges, view == null ? java.util.List.of() : view.keys());
            parts.stats().commitWait(); // outside the chain the caller waits for the answer
            committed = parts.commits().commit(base, lineage, images, newPageCount, pageSize, staged, basis);
            chain.committedOutside();
        } catch (PageStoreException e) {
            conflicted |= e.kind() == Kind.CONFLICT;
            throw e;
        }
        view = null;
        committedOnStart |= base == startVersion;
        parts.cache().pin(committed);
        parts.cache().unpin(base);
        version = committed;
        pageCount = newPageCount;
        this.pageSize = pageSize;
        return version;
    }

    @Override
    public void pageWritten(long pageNo, byte[] image) {
        if (!parts.config().uploadDuringTransaction() || parts.config().readOnly()) {
            return; // by default nothing of a transaction leaves the JVM before COMMIT (and no lock per write)
        }
        stageEarly(pageNo, image);
    }

    private synchronized void stageEarly(long pageNo, byte[] image) {
        if (closed) {
            return;
        }
        try {
            if (stage == null) {
                stage = parts.commits().newStage(image.length);
            }
            stage.written(pageNo, image);
        } catch (PageStoreException | RuntimeException e) {
            // only an optimisation: the commit sends every page itself
            PageApi.LOG.log(java.util.logging.Level.FINE, "could not stage page " + pageNo + " early", e);
            stage = null;
        }
    }

    /**
     * The database's life, and the chain's epoch: after a pipelined commit failed, SQLite's page
     * caches may hold its pages (SQLite took it as committed), so a new epoch makes them drop them.
     */
    @Override
    public String lineage() {
        String l = epoch == 0 ? lineage : lineage + "#" + epoch;
        return leaseGen == 0 ? l : l + "@" + leaseGen;
    }

    /**
     * Waits for this transaction's pipelined commit, if any: marks it conflicted when refused;
     * throws when it failed otherwise (it may have been applied).
     */
    void awaitCommit() throws PageStoreException {
        CommitChain.Link l;
        synchronized (this) {
            l = link;
        }
        if (l == null) {
            return;
        }
        if (!l.answered()) {
            parts.stats().commitWait();
        }
        long v;
        try {
            v = l.await();
        } catch (PageStoreException e) {
            synchronized (this) {
                conflicted |= e.kind() == Kind.CONFLICT;
            }
            if (e.kind() != Kind.CONFLICT) {
                throw e;
            }
            return;
        }
        synchronized (this) {
            committedOnStart = true;
            link = null;
        }
    }

    /** What proves this snapshot's start: the chain view's id for a transaction of the chain, else its version. */
    synchronized Object startKey() {
        return startView != null ? (Object) ("chain:" + startView.id) : (Object) startVersion;
    }

    /**
     * The acknowledged version this snapshot's content became (waits for the pending commits it
     * read), or -1 when one of them failed.
     */
    long contentVersion() {
        CommitChain.View v;
        synchronized (this) {
            v = startView;
        }
        return v == null || v.links.isEmpty() ? startVersion : v.acknowledged();
    }

    /** The version this snapshot was pinned at when it began. */
    synchronized long startVersion() {
        return startVersion;
    }

    /** Whether a commit on top of this snapshot was sent (or tried). */
    synchronized boolean commitAttempted() {
        return commitAttempted;
    }

    /** Whether a commit was refused because another commit landed after this snapshot's version. */
    synchronized boolean conflicted() {
        return conflicted;
    }

    /** Whether the server accepted a commit based on the version this snapshot began at. */
    synchronized boolean committedOnStart() {
        return committedOnStart;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            parts.leased().flushUsed();
            stage = null; // never committed: the server lets the stage expire
            parts.cache().unpin(version);
            parts.cache().endUse(cacheUse);
        }
    }

    private void checkOpen() throws PageStoreException {
        if (closed) {
            throw new PageStoreException(Kind.IO, "the read snapshot at version " + version + " is already closed");
        }
    }

    @Override
    public String toString() {
        return "Snapshot{" + parts.config().database() + "@" + version + ", " + pageCount + " pages}";
    }
}
