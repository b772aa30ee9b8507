package io.dosqlite.remote;

import java.util.Arrays;

/**
 * The key order of a b-tree's pages as far as the interior pages cached at one version tell it:
 * which pages come after a given one when a cursor walks the tree from left to right. SQLite
 * scans (full, by rowid range, by index range) read leaves in exactly this order, so it names the
 * pages a scan will want next, across parent boundaries. Parent links come from {@link TreeHints}
 * and are checked against the parent's image at this version, so a stale hint only ends the walk.
 */
final class LeafOrder {

    /** Deeper than any SQLite b-tree of 2^32 pages; guards against cycles in corrupt pages. */
    private static final int MAX_DEPTH = 24;
    /** Cached leaves skipped while looking for uncached ones, per walk. */
    static final int MAX_SKIPPED = 16_384;

    private final PageCache cache;
    private final TreeHints hints;
    private final long version;
    private final int pageSize;
    private final long pageCount;

    LeafOrder(PageCache cache, TreeHints hints, long version, int pageSize, long pageCount) {
        this.cache = cache;
        this.hints = hints;
        this.version = version;
        this.pageSize = pageSize;
        this.pageCount = pageCount;
    }

    /** Whether the order around {@code pageNo} is known: its parent is cached and points at it. */
    boolean knows(long pageNo) {
        long parent = hints.parentOf(pageNo);
        long[] kids = childrenOf(parent);
        return kids != null && indexOf(kids, pageNo) >= 0;
    }

    /** Whether {@code pageNo}'s parent is an index interior page: the page belongs to an index, not a table. */
    boolean inIndex(long pageNo) {
        long parent = hints.parentOf(pageNo);
        byte[] img = parent < 1 || parent > pageCount ? null : cache.peek(parent, version);
        return img != null && (img[BTreeInterior.headerOffset(parent)] & 0xFF) == BTreeInterior.INTERIOR_INDEX;
    }

    /**
     * Up to {@code max} pages that follow {@code pageNo} in key order and are not cached at this
     * version, nearest first (fewer where the known order ends).
     */
    long[] after(long pageNo, int max) {
        return after(pageNo, max, MAX_SKIPPED);
    }

    /** As {@link #after(long, int)}, giving up after skipping {@code maxSkipped} cached pages. */
    long[] after(long pageNo, int max, int maxSkipped) {
        Walk w = new Walk(max, maxSkipped);
        long child = pageNo;
        long parent = hints.parentOf(child);
        for (int depth = 0; depth < MAX_DEPTH && parent > 0 && !w.done(); depth++) {
            long[] kids = childrenOf(parent);
            int idx = kids == null ? -1 : indexOf(kids, child);
            if (idx < 0) {
                break;
            }
            for (int i = idx + 1; i < kids.length && !w.done(); i++) {
                collect(kids[i], w, depth);
            }
            child = parent;
            parent = hints.parentOf(parent);
        }
        return w.result();
    }

    /** The image of {@code pageNo} at this version if cached, else null. */
    byte[] image(long pageNo) {
        return pageNo < 1 || pageNo > pageCount ? null : cache.peek(pageNo, version);
    }

    /** The children of interior page {@code pageNo} at this version, or null if not cached or not interior. */
    long[] children(long pageNo) {
        return childrenOf(pageNo);
    }

    /** The interior page that points at {@code pageNo} at this version, or -1 if none is known. */
    long parent(long pageNo) {
        long parent = hints.parentOf(pageNo);
        long[] kids = childrenOf(parent);
        return kids != null && indexOf(kids, pageNo) >= 0 ? parent : -1;
    }

    /** The leaf after {@code pageNo} in key order, cached or not, or -1 where the known order ends. */
    long nextLeaf(long pageNo) {
        long child = pageNo;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            long parent = parent(child);
            if (parent < 0) {
                return -1;
            }
            long[] kids = childrenOf(parent);
            int idx = indexOf(kids, child);
            if (idx + 1 < kids.length) {
                long q = kids[idx + 1];
                for (int down = 0; down < MAX_DEPTH; down++) {
                    long[] below = childrenOf(q);
                    if (below == null) {
                        return q;
                    }
                    q = below[0];
                }
                return -1;
            }
            child = parent;
        }
        return -1;
    }

    /** The root of the b-tree {@code pageNo} belongs to, as far as cached parents tell. */
    long root(long pageNo) {
        long p = pageNo;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            long parent = parent(p);
            if (parent < 0) {
                return p;
            }
            p = parent;
        }
        return p;
    }

    /** Adds the uncached pages of the subtree under {@code pageNo} in key order. */
    private void collect(long pageNo, Walk w, int depth) {
        byte[] img = cache.peek(pageNo, version);
        if (img == null) {
            w.add(pageNo); // a leaf not fetched yet (every interior page came with the open)
            return;
        }
        long[] kids = BTreeInterior.isInterior(img, 0, pageNo) ? BTreeInterior.children(img, 0, pageSize, pageNo, pageCount) : null;
        if (kids == null || depth >= MAX_DEPTH) {
            w.skip();
            return;
        }
        for (int i = 0; i < kids.length && !w.done(); i++) {
            collect(kids[i], w, depth + 1);
        }
    }

    private long[] childrenOf(long parent) {
        if (parent < 1 || parent > pageCount) {
            return null;
        }
        byte[] img = cache.peek(parent, version);
        return img == null ? null : BTreeInterior.children(img, 0, pageSize, parent, pageCount);
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** The pages found so far and how much more of the tree may be looked at. */
    private static final class Walk {
        private final long[] found;
        private int n;
        private int skipped;
        private final int maxSkipped;

        Walk(int max, int maxSkipped) {
            found = new long[Math.max(0, max)];
            this.maxSkipped = maxSkipped;
        }

        boolean done() {
            return n >= found.length || skipped >= maxSkipped;
        }

        void add(long pageNo) {
            found[n++] = pageNo;
        }

        void skip() {
            skipped++;
        }

        long[] result() {
            return Arrays.copyOf(found, n);
        }
    }
}
