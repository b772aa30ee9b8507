package io.dosqlite.remote;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which interior page last pointed at each page, learnt from every interior page the store
 * received or committed. Only a hint: a reader checks it against the parent's image at its own
 * version (from the cache) before reading ahead in that parent's child order. Shared by all
 * snapshots of a store, because SQLite keeps interior pages in its own cache across transactions
 * and may never read them through the store again.
 */
final class TreeHints {

    private static final int MAX_ENTRIES = 4_000_000;

    private final ConcurrentHashMap<Long, Long> parentOf = new ConcurrentHashMap<>();

    /** Records the children of {@code pageNo} if {@code image} is a b-tree interior page. */
    void learn(long pageNo, byte[] image, int pageSize, long pageCount) {
        if (!BTreeInterior.isInterior(image, 0, pageNo)) {
            return;
        }
        long[] kids = BTreeInterior.children(image, 0, pageSize, pageNo, pageCount);
        if (kids == null) {
            return;
        }
        if (parentOf.size() + kids.length > MAX_ENTRIES) {
            parentOf.clear();
        }
        for (long k : kids) {
            parentOf.put(k, pageNo);
        }
    }

    /** The interior page believed to point at {@code pageNo}, or -1. */
    long parentOf(long pageNo) {
        Long p = parentOf.get(pageNo);
        return p == null ? -1 : p;
    }

    void clear() {
        parentOf.clear();
    }
}
