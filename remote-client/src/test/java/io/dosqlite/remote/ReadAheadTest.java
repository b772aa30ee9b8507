package io.dosqlite.remote;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ReadAheadTest {

    @Test
    void randomAccessFetchesOnePage() {
        ReadAhead r = new ReadAhead();
        assertEquals(0, r.onMiss(50, 255));
        r.fetchedThrough(50);
        assertEquals(0, r.onMiss(10, 255));
        r.fetchedThrough(10);
    }

    @Test
    void sequentialDoublesUpToTheLimit() {
        ReadAhead r = new ReadAhead();
        long p = 1;
        int[] expect = {0, 8, 16, 32, 64, 128, 255, 255};
        for (int e : expect) {
            int k = r.onMiss(p, 255);
            assertEquals(e, k);
            r.fetchedThrough(p + k);
            p = p + k + 1;
        }
    }
}
