package io.dosqlite.remote;

/**
 * Sequential-access detector of one snapshot, for any order (page numbers, or the children of a
 * b-tree interior page): when a miss continues where the previous batch ended, or directly follows
 * the previous miss, the next batch reads ahead, doubling from 8 up to the per-request limit.
 */
final class ReadAhead {

    static final int FIRST_WINDOW = 8;

    private long nextExpected = -1;
    private long lastMiss = -1;
    private int window;

    /**
     * A miss of {@code pageNo}, whose predecessor in the access order being followed is
     * {@code previousInOrder} (-1 if none); {@code continues} if the caller knows the access
     * continues the previous batch (e.g. the next subtree of a scan). Returns how many pages after it to fetch with it.
     */
    int onMiss(long pageNo, long previousInOrder, boolean continues, int maxExtra) {
        boolean sequential = continues || pageNo == nextExpected || (previousInOrder > 0 && previousInOrder == lastMiss);
        window = sequential ? Math.min(Math.max(FIRST_WINDOW, window * 2), maxExtra) : 0;
        lastMiss = pageNo;
        return window;
    }

    /** Linear order: {@code pageNo - 1} precedes {@code pageNo}. */
    int onMiss(long pageNo, int maxExtra) {
        return onMiss(pageNo, pageNo - 1, false, maxExtra);
    }

    /** The page expected to miss next if the access is sequential (-1: none). */
    void expectNext(long pageNo) {
        nextExpected = pageNo;
    }

    /** Linear order: the batch just fetched ended at {@code lastPageNo}. */
    void fetchedThrough(long lastPageNo) {
        nextExpected = lastPageNo + 1;
    }
}
