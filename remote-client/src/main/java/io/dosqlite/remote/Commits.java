package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import java.util.Map;
import java.util.SortedMap;

/**
 * Publishes a transaction's pages on top of its base version (one request, or the rest of a
 * background stage) and, once the server accepted it, makes the cache, the tree hints and what the
 * store knows reflect the new version.
 */
final class Commits {
    private final PageApi api;
    private final ClientStats stats;
    private final PageCache cache;
    private final TreeHints hints;
    private final KnownState known;
    private final VersionCheck versions;
    private final Runnable outcomeUnknown;
    private final LeasedPages leased;
    private final Turns turns;

    /** {@code outcomeUnknown}: a commit failed in a way that may have left it applied (the lease stops being trusted). */
    Commits(PageApi api, ClientStats stats, PageCache cache, TreeHints hints, KnownState known, VersionCheck versions,
            Runnable outcomeUnknown, LeasedPages leased, Turns turns) {
        this.turns = turns;
        this.outcomeUnknown = outcomeUnknown;
        this.leased = leased;
        this.api = api;
        this.stats = stats;
        this.cache = cache;
        this.hints = hints;
        this.known = known;
        this.versions = versions;
    }

    /**
     * Commits {@code pages} on top of {@code base} and returns the new version; the cache then
     * holds the new images at it. A refused commit (CONFLICT) first learns the newer version.
     */
    long commit(long base, String incarnation, SortedMap<Long, byte[]> pages, long newPageCount, int pageSize,
                BackgroundStage stage, CommitBasis basis) throws PageStoreException {
        CommitResult r;
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
            r = CommitProtocol.commit(api, stats, base, incarnation, send, newPageCount, pageSize,
                    stageId, pageNo -> cache.peek(pageNo, base), basis);
            stats.commit(pages.size());
        } catch (PageStoreException e) {
            if (e.kind() == Kind.CONFLICT) {
                refused(e);
            } else {
                // it may have been applied without this store learning its version: reading on
                // the lease could then miss it (a version that others may already see)
                outcomeUnknown.run();
            }
            throw e;
        }
        learn(base, r, pages, newPageCount, pageSize);
        return r.version();
    }

    /**
     * Makes the cache, tree hints and known state reflect an accepted commit of {@code pages} on
     * {@code base}. One that landed on a newer version than its base first drops the pages others
     * wrote in between, and its page 1 takes the change counter the server gave it.
     */
    void learn(long base, CommitResult r, SortedMap<Long, byte[]> pages, long newPageCount, int pageSize) {
        SortedMap<Long, byte[]> images = pages;
        long before = base;
        if (r.merged()) {
            stats.countMerged();
            cache.applyChanges(base, r.version() - 1, newPageCount, r.changed(), true);
            before = r.version() - 1;
            byte[] one = pages.get(1L);
            if (one != null && r.counter() >= 0 && one.length >= 96) {
                images = withCounter(pages, one, r.counter());
            } else if (one != null) {
                images = new java.util.TreeMap<>(pages);
                images.remove(1L); // not known exactly: fetched again when read
            }
        } else if (r.counter() >= 0 && pages.get(1L) != null && pages.get(1L).length >= 96) {
            // its SQLite read page 1 before the transaction moved to a newer version: the server
            // gave page 1 the next change counter, which this store's copy must carry too
            images = withCounter(pages, pages.get(1L), r.counter());
        }
        turns.landed(r.version(), r.contended(), r.roundTripNanos());
        known.learn(new DbState(r.version(), pageSize, newPageCount));
        cache.applyCommit(before, r.version(), newPageCount, images);
        // the server recorded what it wrote as cached here: later transactions on the lease trust it
        long[] written = images.keySet().stream().mapToLong(Long::longValue).toArray();
        leased.wrote(r.recorded(), written);
        for (Map.Entry<Long, byte[]> e : images.entrySet()) {
            hints.learn(e.getKey(), e.getValue(), pageSize, newPageCount);
        }
    }

    /** Counts a refused commit and learns the newer version it ran into. */
    void refused(PageStoreException e) {
        stats.conflict();
        turns.refused(CommitConflict.ranInto(e), CommitConflict.turn(e));
        versions.afterConflict(CommitConflict.ranInto(e));
    }

    private static SortedMap<Long, byte[]> withCounter(SortedMap<Long, byte[]> pages, byte[] one, long counter) {
        SortedMap<Long, byte[]> images = new java.util.TreeMap<>(pages);
        byte[] c = one.clone();
        java.nio.ByteBuffer.wrap(c).putInt(24, (int) counter).putInt(92, (int) counter);
        images.put(1L, c);
        return images;
    }

    /** A commit failed in a way that may have left it applied. */
    void unknownOutcome() {
        outcomeUnknown.run();
    }

    PageApi api() {
        return api;
    }

    ClientStats stats() {
        return stats;
    }

    PageCache cache() {
        return cache;
    }

    /** A stage that uploads the pages of one large write transaction while it runs. */
    BackgroundStage newStage(int pageSize) {
        return new BackgroundStage(api, pageSize);
    }
}
