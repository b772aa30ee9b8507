package io.dosqlite.remote;

/**
 * Sequential-access detector in page-number order, for pages whose b-tree order is unknown (no
 * interior page names them, e.g. the interior prefetch was off or did not fit): when a miss
 * continues where the previous batch ended, or directly follows the previous miss, the next batch
 * reads ahead, doubling from 8 up to the limit given.
 */
final class ReadAhead {

    static final int FIRST_WINDOW = 8;

    private long nextExpected = -1;
    private long lastMiss = -1;
    private int window;

    /** A miss of {@code pageNo}; answers how many pages after it to fetch with it. */
    int onMiss(long pageNo, int maxExtra) {
        boolean sequential = pageNo == nextExpected || (pageNo > 1 && pageNo - 1 == lastMiss);
        window = sequential ? Math.min(Math.max(FIRST_WINDOW, window * 2), maxExtra) : 0;
        lastMiss = pageNo;
        return window;
    }

    /** The batch just fetched ended at {@code lastPageNo}. */
    void fetchedThrough(long lastPageNo) {
        nextExpected = lastPageNo + 1;
    }
}
