package io.dosqlite.remote;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PageCacheTest {

    static byte[] img(int v) {
        byte[] b = new byte[16];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static int read(PageCache c, long p, long v) {
        byte[] dst = new byte[16];
        return c.get(p, v, dst, 0) != PageCache.Hit.MISS ? dst[0] : -1;
    }

    @Test
    void changesInvalidateOnlyListedPagesAndOldSnapshotsKeepOldImages() {
        PageCache c = new PageCache(1 << 20, 5, 10);
        c.pin(5); // an open snapshot at 5
        c.put(1, 5, img(1));
        c.put(2, 5, img(2));
        assertEquals(1, read(c, 1, 5));
        // version 6 changed page 2 only
        c.applyChangesAndPin(5, 6, 10, new long[] {2}, true);
        assertEquals(1, read(c, 1, 6), "unchanged page stays valid at the new version");
        assertEquals(-1, read(c, 2, 6), "changed page is a miss at the new version");
        assertEquals(2, read(c, 2, 5), "the snapshot at 5 still reads the old image");
        c.put(2, 6, img(22));
        assertEquals(22, read(c, 2, 6));
        assertEquals(2, read(c, 2, 5));
        // no change at 7: both still valid
        c.applyChangesAndPin(6, 7, 10, new long[0], true);
        assertEquals(22, read(c, 2, 7));
        assertEquals(1, read(c, 1, 7));
    }

    @Test
    void incompleteHistoryDropsEverythingForNewVersions() {
        PageCache c = new PageCache(1 << 20, 1, 4);
        c.put(1, 1, img(1));
        c.applyChangesAndPin(1, 50, 4, new long[0], false);
        assertEquals(-1, read(c, 1, 50));
    }

    @Test
    void closedImagesNoSnapshotNeedsArePruned() {
        PageCache c = new PageCache(1 << 20, 1, 4);
        c.put(1, 1, img(1));
        c.applyChangesAndPin(1, 2, 4, new long[] {1}, true); // nobody pinned 1
        assertEquals(0, c.bytes());
    }

    @Test
    void anImageKeptForASnapshotGoesAtTheFirstCommitAfterItEnds() {
        PageCache c = new PageCache(1 << 20, 1, 4);
        c.pin(1);
        c.put(1, 1, img(1));
        c.put(2, 1, img(2));
        c.applyCommit(1, 2, 4, Map.of(1L, img(11)));
        assertEquals(1, read(c, 1, 1), "the snapshot at 1 still reads page 1 as it was");
        assertEquals(48, c.bytes());
        c.unpin(1);
        c.applyCommit(2, 3, 4, Map.of(2L, img(22)));
        assertEquals(-1, read(c, 1, 1));
        assertEquals(11, read(c, 1, 3));
        assertEquals(22, read(c, 2, 3));
        assertEquals(32, c.bytes(), "only the two current images are left");
    }

    @Test
    void aPageEvictedWithAClosedImageIsNotCountedAgainWhenPruned() {
        PageCache c = new PageCache(48, 1, 4);
        c.pin(1);
        c.put(1, 1, img(1));
        c.applyCommit(1, 2, 4, Map.of(1L, img(11))); // page 1: its image at 1 kept for the snapshot
        c.put(2, 2, img(2));
        c.put(3, 2, img(3)); // over 48 bytes: page 1, least recently used, goes with both its images
        assertEquals(-1, read(c, 1, 2));
        assertEquals(32, c.bytes());
        c.unpin(1);
        c.applyCommit(2, 3, 4, Map.of(2L, img(22)));
        assertEquals(22, read(c, 2, 3));
        assertEquals(3, read(c, 3, 3));
        assertEquals(32, c.bytes(), "page 2's old image pruned, page 1's images not subtracted twice");
    }

    @Test
    void fetchAtOlderVersionIsValidOnlyThere() {
        PageCache c = new PageCache(1 << 20, 3, 4);
        c.pin(3);
        c.applyChangesAndPin(3, 4, 4, new long[] {}, true);
        // a snapshot at 3 fetches page 2 after the store already checked version 4
        c.put(2, 3, img(3));
        assertEquals(3, read(c, 2, 3));
        assertEquals(-1, read(c, 2, 4), "not known to be the content at 4");
    }

    @Test
    void truncationInvalidatesPagesPastTheEnd() {
        PageCache c = new PageCache(1 << 20, 1, 4);
        c.put(4, 1, img(4));
        c.applyChangesAndPin(1, 2, 3, new long[] {1}, true);
        assertEquals(-1, read(c, 4, 2));
    }

    @Test
    void ownCommitBecomesTheImageAtTheNewVersion() {
        PageCache c = new PageCache(1 << 20, 1, 2);
        c.pin(1);
        c.put(1, 1, img(1));
        c.put(2, 1, img(2));
        c.applyCommit(1, 2, 3, Map.of(2L, img(20), 3L, img(30)));
        assertEquals(1, read(c, 1, 2));
        assertEquals(20, read(c, 2, 2));
        assertEquals(30, read(c, 3, 2));
        assertEquals(2, read(c, 2, 1), "old snapshot keeps the old image");
        assertEquals(2, c.checkedVersion());
    }

    @Test
    void commitImagesAreCopied() {
        PageCache c = new PageCache(1 << 20, 1, 1);
        byte[] mine = img(7);
        c.applyCommit(1, 2, 1, Map.of(1L, mine));
        mine[0] = 99;
        assertEquals(7, read(c, 1, 2));
    }

    @Test
    void boundedByBytes() {
        PageCache c = new PageCache(16 * 10, 1, 100);
        for (int p = 1; p <= 100; p++) {
            c.put(p, 1, img(p));
        }
        assertTrue(c.bytes() <= 160);
        assertEquals(100, read(c, 100, 1), "most recent stays");
        assertEquals(-1, read(c, 1, 1), "oldest evicted");
        PageCache none = new PageCache(0, 1, 1);
        none.put(1, 1, img(1));
        assertEquals(-1, read(none, 1, 1));
    }

    @Test
    void concurrentChangesCheckCoversAStaleSince() {
        PageCache c = new PageCache(1 << 20, 1, 4);
        c.put(1, 1, img(1));
        c.put(2, 1, img(2));
        c.applyChangesAndPin(1, 3, 4, new long[] {1}, true); // thread A: since 1 -> 3
        c.applyChangesAndPin(1, 2, 4, new long[] {1}, true); // thread B's older answer: ignored for validity
        assertEquals(-1, read(c, 1, 3));
        assertEquals(2, read(c, 2, 3));
        assertEquals(2, read(c, 2, 2));
    }

    @Test
    void databaseRecreatedWithLowerVersionDropsTheCache() {
        PageCache c = new PageCache(1 << 20, 9, 4);
        c.put(1, 9, img(1));
        c.applyChangesAndPin(9, 0, 0, new long[0], true);
        assertEquals(0, c.checkedVersion());
        assertEquals(0, c.bytes());
    }

    @Test
    void readAheadNeverEvictsWhatAnOpenSnapshotUsed() {
        PageCache c = new PageCache(4 * 16, 5, 100);
        c.put(1, 5, img(1)); // cached before the snapshot began, never read by it
        long use = c.beginUse();
        c.put(2, 5, img(2));
        c.put(3, 5, img(3));
        assertEquals(1, read(c, 1, 5)); // now the snapshot used page 1 too
        c.put(4, 5, img(4));
        assertEquals(0, c.speculativeRoom(1 << 20), "no room for guesses");
        assertFalse(c.putSpeculative(5, 5, img(5)), "the cache is full of pages the snapshot uses");
        for (int p = 1; p <= 4; p++) {
            assertEquals(p, read(c, p, 5), "page " + p + " kept");
        }
        assertEquals(-1, read(c, 5, 5));
        c.endUse(use);
        assertEquals(4 * 16, c.speculativeRoom(1 << 20), "nothing in use: every entry may make room");
        assertTrue(c.putSpeculative(5, 5, img(5)), "nothing in use: the least recently used page makes room");
        assertEquals(5, read(c, 5, 5));
        assertTrue(c.bytes() <= 4 * 16);
    }

    @Test
    void firstReadOfAReadAheadPageIsReportedOnce() {
        PageCache c = new PageCache(1 << 20, 5, 100);
        assertTrue(c.putSpeculative(7, 5, img(7)));
        byte[] dst = new byte[16];
        assertEquals(PageCache.Hit.FIRST_READ_OF_READ_AHEAD, c.get(7, 5, dst, 0));
        assertEquals(PageCache.Hit.HIT, c.get(7, 5, dst, 0));
        assertEquals(PageCache.Hit.MISS, c.get(8, 5, dst, 0));
    }
}
