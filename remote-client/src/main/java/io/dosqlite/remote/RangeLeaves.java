package io.dosqlite.remote;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The leaves a key range covers, from the interior pages' keys and the index leaves already cached
 * ({@link ScanHint}): so a range scan's read-ahead fetches what the range needs, not a guess. An
 * index range scan visits its index leaves in key order, and for each entry the table leaf of its
 * rowid; a rowid range visits table leaves. Every answer is a read-ahead choice only: -1 or null
 * means "not known here", and the caller reads ahead without bounds.
 */
final class RangeLeaves {
    /** Index leaves parsed for rowids at one miss (the read-ahead fetched at most this many). */
    static final int MAX_INDEX_LEAVES = 4_096;
    /** Index entries looked at per miss: keeps a miss over a large cached index cheap. */
    static final int MAX_ENTRIES = 65_536;

    private RangeLeaves() {
    }

    /**
     * How many leaves after index leaf {@code pageNo} hold keys of the range, by its parent's
     * divider keys; -1 when the range may go on past that parent, or the keys are not numeric.
     */
    static int indexLeavesAfter(LeafOrder order, long pageNo, double high) {
        long parent = order.parent(pageNo);
        byte[] img = order.image(parent);
        long[] kids = order.children(parent);
        if (img == null || kids == null || BTreeCells.type(img, parent) != BTreeInterior.INTERIOR_INDEX) {
            return -1;
        }
        int n = 0;
        for (int j = indexOf(kids, pageNo) + 1; j < kids.length; j++) {
            // child j holds the keys after divider j-1: none of the range once that divider is past it
            double divider = BTreeCells.indexKey(img, parent, j - 1);
            if (Double.isNaN(divider)) {
                return -1;
            }
            if (divider > high) {
                return n;
            }
            n++;
        }
        return -1;
    }

    /** As {@link #indexLeavesAfter}, for table leaf {@code pageNo} and a range of rowids up to {@code high}. */
    static int tableLeavesAfter(LeafOrder order, long pageNo, double high) {
        long parent = order.parent(pageNo);
        byte[] img = order.image(parent);
        long[] kids = order.children(parent);
        if (img == null || kids == null || BTreeCells.type(img, parent) != BTreeInterior.INTERIOR_TABLE) {
            return -1;
        }
        int n = 0;
        for (int j = indexOf(kids, pageNo) + 1; j < kids.length; j++) {
            long divider = BTreeCells.tableKey(img, parent, j - 1); // child j holds rowids > divider
            if (divider == BTreeCells.NO_ROWID) {
                return -1;
            }
            if (divider >= high) {
                return n;
            }
            n++;
        }
        return -1;
    }

    /**
     * The uncached table leaves, other than {@code tableLeaf} (of the same table), holding the rows
     * that the entries of the range name in the cached index leaves from {@code indexLeaf} on, in
     * the order an index range scan visits them; at most {@code max}. Null if a key is not numeric.
     */
    static long[] tableLeaves(LeafOrder order, long tableLeaf, long indexLeaf, double low, double high, int max) {
        long root = order.root(tableLeaf);
        Set<Long> leaves = new LinkedHashSet<>();
        long page = indexLeaf;
        int entries = 0;
        for (int visited = 0; visited < MAX_INDEX_LEAVES && page > 0 && leaves.size() < max && entries < MAX_ENTRIES; visited++) {
            byte[] img = order.image(page);
            if (img == null) {
                break; // not fetched yet: the index stream brings it, and its rows' leaves then
            }
            if (BTreeCells.type(img, page) != BTreeCells.LEAF_INDEX) {
                return null;
            }
            int cells = BTreeCells.count(img, page);
            entries += cells;
            for (int i = 0; i < cells && leaves.size() < max; i++) {
                double key = BTreeCells.indexKey(img, page, i);
                if (Double.isNaN(key)) {
                    return null;
                }
                if (key < low) {
                    continue;
                }
                if (key > high) {
                    return toArray(leaves);
                }
                long rowid = BTreeCells.indexRowid(img, page, i);
                if (rowid == BTreeCells.NO_ROWID) {
                    return null;
                }
                long leaf = leafOf(order, root, rowid);
                if (leaf > 0 && leaf != tableLeaf && order.image(leaf) == null) {
                    leaves.add(leaf);
                }
            }
            page = order.nextLeaf(page);
        }
        return toArray(leaves);
    }

    /** The leaf of the table rooted at {@code root} that holds {@code rowid}, or -1. */
    private static long leafOf(LeafOrder order, long root, long rowid) {
        long page = root;
        for (int depth = 0; depth < 24; depth++) {
            byte[] img = order.image(page);
            if (img == null || BTreeCells.type(img, page) != BTreeInterior.INTERIOR_TABLE) {
                return img == null || BTreeCells.type(img, page) == 0x0D ? page : -1;
            }
            long[] kids = order.children(page);
            if (kids == null) {
                return -1;
            }
            // the first cell whose key is >= rowid (keys ascend); none: the right-most child
            int lo = 0;
            int hi = kids.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                long key = BTreeCells.tableKey(img, page, mid);
                if (key == BTreeCells.NO_ROWID) {
                    return -1;
                }
                if (rowid <= key) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            page = kids[lo];
        }
        return -1;
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return a.length;
    }

    private static long[] toArray(Set<Long> s) {
        return s.stream().mapToLong(Long::longValue).toArray();
    }
}
