package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import java.util.logging.Level;

/**
 * The version check ({@code changes?since}): learns the current version and drops exactly the
 * pages that changed since the newest version the cache was checked at (all of them if the
 * database was deleted and created again). One request.
 */
final class VersionCheck {
    private final PageApi api;
    private final PageCache cache;
    private final TreeHints hints;
    private final KnownState known;

    VersionCheck(PageApi api, PageCache cache, TreeHints hints, KnownState known) {
        this.api = api;
        this.cache = cache;
        this.hints = hints;
        this.known = known;
    }

    /** The check, with the answered version pinned in the cache for a new snapshot. */
    DbState checkAndPin() throws PageStoreException {
        long since = cache.checkedVersion();
        Changes c = changes(since);
        DbState state = new DbState(c.version(), c.pageSize(), c.pageCount());
        if (known.enterIncarnation(c.incarnation(), state)) {
            PageApi.LOG.fine(api.config().database() + " was deleted and created again: dropping its cached pages");
            cache.clear();
            hints.clear();
        }
        cache.applyChangesAndPin(since, c.version(), c.pageCount(), c.changed(), c.complete());
        known.learn(state);
        return state;
    }

    /**
     * Applies an answer that says what changed from {@code since} to its version (a lease grant
     * or a pushed invalidation), like the check does, without pinning.
     */
    DbState learn(long since, Changes c) {
        DbState state = new DbState(c.version(), c.pageSize(), c.pageCount());
        if (known.enterIncarnation(c.incarnation(), state)) {
            PageApi.LOG.fine(api.config().database() + " was deleted and created again: dropping its cached pages");
            cache.clear();
            hints.clear();
        }
        long checked = cache.checkedVersion();
        // a list that starts after what the cache knows does not cover the versions in between
        boolean complete = c.complete() && since <= checked;
        cache.applyChanges(Math.min(since, checked), c.version(), c.pageCount(), c.changed(), complete);
        known.learn(state);
        return state;
    }

    /**
     * A read moved a transaction from {@code since} to {@code version}, telling what changed in
     * between ({@code changed}; null: too many to list): the cache and the known version follow
     * (as a version check's answer would), unless they are there already.
     */
    void moved(long since, long version, int pageSize, long pageCount, long[] changed) {
        if (changed != null) {
            cache.applyChanges(Math.min(since, cache.checkedVersion()), version, pageCount, changed, true);
        } else {
            cache.applyChanges(cache.checkedVersion(), version, pageCount, new long[0], false);
        }
        known.learn(new DbState(version, pageSize, pageCount));
    }

    /** The check, applied to the cache, without keeping the version pinned. */
    DbState check() throws PageStoreException {
        DbState s = checkAndPin();
        cache.unpin(s.version());
        return s;
    }

    /**
     * Learns the newer version a refused commit ran into ({@code ranInto}, -1 if unknown), so the
     * caller's retry (which may start optimistically, on the newest version known) does not run
     * into the same conflict again. A lease holder is told of that version on its push channel
     * (the server refuses it at once for that reason): it waits for that push, briefly, rather
     * than asking; otherwise, or if the push is late, one version check.
     */
    void afterConflict(long ranInto) {
        java.util.function.LongPredicate pushed = this.pushed;
        if (ranInto >= 0 && pushed != null && pushed.test(ranInto)) {
            return;
        }
        try {
            check();
        } catch (PageStoreException e) {
            PageApi.LOG.log(Level.FINE, "version check after a conflict failed; the next transaction checks again", e);
        }
    }

    /** Waits (bounded) until the push channel applied a version; false when it did not. */
    private volatile java.util.function.LongPredicate pushed;

    void pushedBy(java.util.function.LongPredicate awaitApplied) {
        this.pushed = awaitApplied;
    }

    private Changes changes(long since) throws PageStoreException {
        Answer a = api.changes(since);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the version check", api.config());
        }
        return Changes.parse(a.body(), "the version check");
    }
}
