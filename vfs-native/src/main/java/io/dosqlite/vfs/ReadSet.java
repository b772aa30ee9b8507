package io.dosqlite.vfs;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The pages one SQLite connection may hold in its own page cache: every page it read or wrote
 * since SQLite last dropped that cache. SQLite drops it when the 16 header bytes at offset 24
 * (change counter and neighbours) differ from what it last saw, and keeps it otherwise, serving a
 * transaction's reads without asking the VFS. So a transaction's true read set is a subset of
 * this one, which is what a page-level conflict check needs (a superset can only refuse more).
 * Used by one connection at a time.
 */
public final class ReadSet {
    /** Past this many pages the set is not worth sending: the commit falls back to the strict check. */
    static final int MAX_PAGES = 50_000;

    private final BitSet pages = new BitSet();
    private byte[] header;

    /** SQLite read the header bytes 24..40 at a transaction start; different ones drop its cache. */
    synchronized void header(byte[] seen) {
        if (header == null || !Arrays.equals(header, seen)) {
            pages.clear();
        }
        header = seen.clone();
    }

    /**
     * The VFS made SQLite drop its page cache (another lineage: see {@link Snapshot#lineage()}),
     * whatever the header says: nothing is held any more. Without this, a header that happens to
     * read the same (two writers' commits on one base write the same change counter) would keep
     * pages here that SQLite no longer holds, and the page-level check would refuse commits for them.
     */
    synchronized void dropped() {
        pages.clear();
        header = null;
    }

    /** After this connection's own commit SQLite knows the header it wrote and keeps its cache. */
    synchronized void committed(byte[] pageOne, Iterable<Long> written) {
        if (pageOne != null && pageOne.length >= 40) {
            header = Arrays.copyOfRange(pageOne, 24, 40);
        }
        for (long p : written) {
            note(p);
        }
    }

    synchronized void note(long pageNo) {
        if (pageNo > 0 && pageNo <= Integer.MAX_VALUE) {
            pages.set((int) pageNo);
        }
    }

    /**
     * The pages as ranges {@code 1-5,9,12-14}, or null when there are too many to be worth
     * sending (the caller then asks for the strict check: nothing may have changed since its base).
     */
    public synchronized String ranges(int maxChars) {
        if (pages.cardinality() > MAX_PAGES) {
            return null;
        }
        return PageRanges.format(pages, maxChars);
    }

    /** A copy of the set's pages (page numbers as bit indexes). */
    public synchronized BitSet pages() {
        return (BitSet) pages.clone();
    }

    /** Whether every page in the set passes {@code test}. */
    public synchronized boolean all(java.util.function.LongPredicate test) {
        for (int p = pages.nextSetBit(0); p >= 0; p = p == Integer.MAX_VALUE ? -1 : pages.nextSetBit(p + 1)) {
            if (!test.test(p)) {
                return false;
            }
        }
        return true;
    }

    /** Whether page {@code pageNo} is in the set. */
    public synchronized boolean contains(long pageNo) {
        return pageNo > 0 && pageNo <= Integer.MAX_VALUE && pages.get((int) pageNo);
    }
}
