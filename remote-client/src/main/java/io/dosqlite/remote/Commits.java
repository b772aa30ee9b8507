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

    /** {@code outcomeUnknown}: a commit failed in a way that may have left it applied (the lease stops being trusted). */
    Commits(PageApi api, ClientStats stats, PageCache cache, TreeHints hints, KnownState known, VersionCheck versions,
            Runnable outcomeUnknown) {
        this.outcomeUnknown = outcomeUnknown;
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
                BackgroundStage stage) throws PageStoreException {
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
                    stageId, pageNo -> cache.peek(pageNo, base));
            stats.commit(pages.size());
        } catch (PageStoreException e) {
            if (e.kind() == Kind.CONFLICT) {
                stats.conflict();
                versions.afterConflict();
            } else {
                // it may have been applied without this store learning its version: reading on
                // the lease could then miss it (a version that others may already see)
                outcomeUnknown.run();
            }
            throw e;
        }
        known.learn(new DbState(r.version(), pageSize, newPageCount));
        cache.applyCommit(base, r.version(), newPageCount, pages);
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            hints.learn(e.getKey(), e.getValue(), pageSize, newPageCount);
        }
        return r.version();
    }

    /** A stage that uploads the pages of one large write transaction while it runs. */
    BackgroundStage newStage(int pageSize) {
        return new BackgroundStage(api, pageSize);
    }
}
