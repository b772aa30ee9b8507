package io.dosqlite.remote;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Byte-bounded page cache shared by every snapshot of one store; version-correct.
 *
 * <p>Each cached image carries the version range {@code [lo, hi]} it is known to be the page's
 * content for. {@code hi == OPEN} means "valid through {@link #checkedVersion()}", the newest
 * version whose change history the store knows. A {@code changes?since} answer closes the open
 * entries of the listed pages (they stay usable by snapshots at older versions) and moves the
 * checked version; {@code complete:false} closes them all. A snapshot at version {@code v} uses an
 * entry only if {@code lo <= v <= effectiveHi}. Closed entries no open snapshot can use are dropped.
 */
final class PageCache {

    static final long OPEN = Long.MAX_VALUE;
    private static final int MAX_IMAGES_PER_PAGE = 4;

    static final class Entry {
        final byte[] data;
        final long lo;
        long hi;
        /** Fetched by read-ahead and not read since: counted as used read-ahead on its first read. */
        boolean speculative;
        /** The access generation of the last read or insert (see {@link #beginUse()}). */
        long lastUse;

        Entry(byte[] data, long lo, long hi) {
            this.data = data;
            this.lo = lo;
            this.hi = hi;
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<Long, List<Entry>> pages = new LinkedHashMap<>(256, 0.75f, true);
    /** Open snapshot versions (multiset). */
    private final TreeMap<Long, Integer> pinned = new TreeMap<>();
    private long bytes;
    private long checked;
    private long checkedPageCount;
    /**
     * The pages holding a closed image, with their lists: what {@link #prune()} looks at. A commit
     * closes the images of the pages it wrote; walking the whole cache for them, under this lock,
     * took 5% of the client's CPU in a loop of one-row updates on a cache of thousands of pages.
     */
    private final java.util.HashMap<Long, List<Entry>> withClosed = new java.util.HashMap<>();
    /** Counts reads and inserts; entries touched at or after an open snapshot's start are in use. */
    private long generation;
    /** Start generations of the open snapshots (multiset). */
    private final TreeMap<Long, Integer> inUseSince = new TreeMap<>();

    /** What {@link #get} found. */
    enum Hit { MISS, HIT, FIRST_READ_OF_READ_AHEAD }

    PageCache(long maxBytes, long version, long pageCount) {
        this.maxBytes = Math.max(0, maxBytes);
        this.checked = version;
        this.checkedPageCount = pageCount;
    }

    synchronized long checkedVersion() {
        return checked;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** Copies page {@code pageNo} as of {@code version} into dst if cached. */
    synchronized Hit get(long pageNo, long version, byte[] dst, int off) {
        Entry e = find(pageNo, version);
        if (e == null) {
            return Hit.MISS;
        }
        System.arraycopy(e.data, 0, dst, off, e.data.length);
        e.lastUse = ++generation;
        if (e.speculative) {
            e.speculative = false;
            return Hit.FIRST_READ_OF_READ_AHEAD;
        }
        return Hit.HIT;
    }

    /**
     * A snapshot begins: every entry it reads or inserts from now on is in use until
     * {@link #endUse(long)} with the answer, and read-ahead never evicts it.
     */
    synchronized long beginUse() {
        long g = ++generation;
        inUseSince.merge(g, 1, Integer::sum);
        return g;
    }

    synchronized void endUse(long since) {
        inUseSince.computeIfPresent(since, (k, n) -> n == 1 ? null : n - 1);
    }

    /**
     * How many bytes read-ahead may add now (up to {@code atMost}): free room plus entries no open
     * snapshot has used, least recently used first, up to the first one in use. Read-ahead asks for
     * no more than this, so a transaction larger than the cache reads on without guesses that would
     * be thrown away at once.
     */
    synchronized long speculativeRoom(long atMost) {
        long room = Math.max(0, maxBytes - bytes);
        long oldestInUse = inUseSince.isEmpty() ? Long.MAX_VALUE : inUseSince.firstKey();
        for (Iterator<List<Entry>> it = pages.values().iterator(); room < atMost && it.hasNext(); ) {
            List<Entry> l = it.next();
            for (Entry e : l) {
                if (e.lastUse >= oldestInUse) {
                    return Math.min(room, atMost);
                }
            }
            for (Entry e : l) {
                room += e.data.length;
            }
        }
        return Math.min(room, atMost);
    }

    /**
     * Caches a page fetched by read-ahead at {@code version}, unless that would evict an entry an
     * open snapshot has used (a guess must not push out what a transaction is working on).
     * Answers whether it was cached.
     */
    synchronized boolean putSpeculative(long pageNo, long version, byte[] data) {
        if (find(pageNo, version) != null || data.length > maxBytes) {
            return false;
        }
        long oldestInUse = inUseSince.isEmpty() ? Long.MAX_VALUE : inUseSince.firstKey();
        Iterator<Map.Entry<Long, List<Entry>>> it = pages.entrySet().iterator();
        while (bytes + data.length > maxBytes && it.hasNext()) {
            Map.Entry<Long, List<Entry>> me = it.next();
            List<Entry> l = me.getValue();
            for (Entry e : l) {
                if (e.lastUse >= oldestInUse) {
                    return false; // stop at the first entry in use (conservative: later ones are mostly newer)
                }
            }
            for (Entry e : l) {
                bytes -= e.data.length;
            }
            withClosed.remove(me.getKey());
            it.remove();
        }
        Entry entry = new Entry(data, version, version == checked ? OPEN : version);
        entry.speculative = true;
        insert(pageNo, entry);
        return true;
    }

    /** The cached image itself (never modified; do not modify), or null. */
    synchronized byte[] peek(long pageNo, long version) {
        Entry e = find(pageNo, version);
        return e == null ? null : e.data;
    }

    /**
     * The numbers of the pages with a cached image that is not an unread read-ahead guess (for a
     * lease request's list: guesses are proven when first used instead of holding commits back).
     */
    synchronized java.util.BitSet pageNumbers() {
        java.util.BitSet out = new java.util.BitSet();
        for (Map.Entry<Long, List<Entry>> me : pages.entrySet()) {
            long p = me.getKey();
            if (p > 0 && p <= Integer.MAX_VALUE && me.getValue().stream().anyMatch(e -> !e.speculative)) {
                out.set((int) p);
            }
        }
        return out;
    }

    synchronized boolean contains(long pageNo, long version) {
        List<Entry> l = pages.get(pageNo);
        if (l == null) {
            return false;
        }
        for (Entry e : l) {
            if (covers(e, version)) {
                return true;
            }
        }
        return false;
    }

    /** Caches an image fetched from the server at {@code version} (the page's content at that version). */
    synchronized void put(long pageNo, long version, byte[] data) {
        if (find(pageNo, version) != null) {
            return;
        }
        insert(pageNo, new Entry(data, version, version == checked ? OPEN : version));
    }

    /**
     * Applies a {@code changes?since=since} answer and pins {@code version} for a new snapshot, in
     * one step (so nothing the new snapshot may use is pruned in between).
     */
    synchronized void applyChangesAndPin(long since, long version, long pageCount, long[] changed, boolean complete) {
        applyChanges(since, version, pageCount, changed, complete);
        pin(version);
        prune();
    }

    /**
     * Applies what changed from {@code since} to {@code version} (a version check, a lease or a
     * pushed invalidation). {@code since} may be newer than the checked version only with
     * {@code complete == false}.
     */
    synchronized void applyChanges(long since, long version, long pageCount, long[] changed, boolean complete) {
        if (version < since) {
            // the database went back in time (deleted and created again): nothing cached is trustworthy
            pages.clear();
            withClosed.clear();
            bytes = 0;
            checked = version;
            checkedPageCount = pageCount;
        } else if (version > checked) {
            // since <= checked always (checked only grows), so 'changed' covers checked+1..version.
            if (!complete) {
                for (Map.Entry<Long, List<Entry>> me : pages.entrySet()) {
                    close(me.getKey(), me.getValue(), checked);
                }
            } else {
                for (long p : changed) {
                    closeOpen(p, checked);
                }
                if (pageCount < checkedPageCount) {
                    closeAbove(pageCount, checked);
                }
            }
            checked = version;
            checkedPageCount = pageCount;
        }
    }

    /**
     * Records this client's own successful commit of {@code images} on top of {@code base}, which
     * produced {@code version}: the images become the cached content at {@code version}.
     */
    synchronized void applyCommit(long base, long version, long newPageCount, Map<Long, byte[]> images) {
        if (checked == base) {
            for (long p : images.keySet()) {
                closeOpen(p, base);
            }
            if (newPageCount < checkedPageCount) {
                closeAbove(newPageCount, base);
            }
            checked = version;
            checkedPageCount = newPageCount;
        }
        for (Map.Entry<Long, byte[]> e : images.entrySet()) {
            if (e.getKey() <= newPageCount && find(e.getKey(), version) == null) {
                insert(e.getKey(), new Entry(e.getValue().clone(), version, version == checked ? OPEN : version));
            }
        }
        prune();
    }

    synchronized void pin(long version) {
        pinned.merge(version, 1, Integer::sum);
    }

    synchronized void unpin(long version) {
        pinned.computeIfPresent(version, (k, n) -> n == 1 ? null : n - 1);
    }

    synchronized void clear() {
        pages.clear();
        withClosed.clear();
        bytes = 0;
    }

    // --- internals (lock held) ---

    private boolean covers(Entry e, long version) {
        long hi = e.hi == OPEN ? checked : e.hi;
        return e.lo <= version && version <= hi;
    }

    private Entry find(long pageNo, long version) {
        List<Entry> l = pages.get(pageNo);
        if (l == null) {
            return null;
        }
        for (Entry e : l) {
            if (covers(e, version)) {
                return e;
            }
        }
        return null;
    }

    private void closeOpen(long pageNo, long hi) {
        List<Entry> l = pages.get(pageNo);
        if (l != null) {
            close(pageNo, l, hi);
        }
    }

    private void closeAbove(long pageCount, long hi) {
        for (Map.Entry<Long, List<Entry>> me : pages.entrySet()) {
            if (me.getKey() > pageCount) {
                close(me.getKey(), me.getValue(), hi);
            }
        }
    }

    /** Closes the open image of a page at {@code hi}. */
    private void close(long pageNo, List<Entry> l, long hi) {
        for (Entry e : l) {
            if (e.hi == OPEN) {
                e.hi = hi;
                withClosed.put(pageNo, l);
            }
        }
    }

    private void insert(long pageNo, Entry entry) {
        if (entry.data.length > maxBytes) {
            return;
        }
        List<Entry> l = pages.computeIfAbsent(pageNo, k -> new ArrayList<>(1));
        entry.lastUse = ++generation;
        l.add(entry);
        bytes += entry.data.length;
        if (entry.hi != OPEN) {
            withClosed.put(pageNo, l);
        }
        if (l.size() > MAX_IMAGES_PER_PAGE) {
            // drop the oldest closed image
            Entry oldest = null;
            for (Entry e : l) {
                if (e.hi != OPEN && (oldest == null || e.hi < oldest.hi)) {
                    oldest = e;
                }
            }
            if (oldest != null) {
                l.remove(oldest);
                bytes -= oldest.data.length;
            }
        }
        evict();
    }

    private void evict() {
        Iterator<Map.Entry<Long, List<Entry>>> it = pages.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Long, List<Entry>> me = it.next();
            for (Entry e : me.getValue()) {
                bytes -= e.data.length;
            }
            withClosed.remove(me.getKey());
            it.remove();
        }
    }

    /** Drops closed images that neither an open snapshot nor a future one can use. */
    private void prune() {
        if (withClosed.isEmpty()) {
            return;
        }
        long oldestPinned = pinned.isEmpty() ? checked : Math.min(pinned.firstKey(), checked);
        Iterator<Map.Entry<Long, List<Entry>>> it = withClosed.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, List<Entry>> me = it.next();
            List<Entry> l = me.getValue();
            boolean[] keep = {false};
            l.removeIf(e -> {
                boolean dead = e.hi != OPEN && e.hi < oldestPinned;
                if (dead) {
                    bytes -= e.data.length;
                } else if (e.hi != OPEN) {
                    keep[0] = true;
                }
                return dead;
            });
            if (l.isEmpty()) {
                pages.remove(me.getKey(), l); // by key and list: no access, the LRU order stays
            }
            if (!keep[0]) {
                it.remove();
            }
        }
    }
}
