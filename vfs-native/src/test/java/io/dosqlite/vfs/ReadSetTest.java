package io.dosqlite.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a connection tells the server it may have read (page-level conflict checks). */
class ReadSetTest {

    private static byte[] header(int counter) {
        byte[] h = new byte[16];
        h[3] = (byte) counter;
        return h;
    }

    @Test
    void pagesSqliteMayStillHoldStayUntilTheHeaderChanges() {
        ReadSet r = new ReadSet();
        r.header(header(1));
        for (long p : new long[] {1, 2, 3, 4, 9, 12, 13}) {
            r.note(p);
        }
        assertEquals("1-4,9,12-13", r.ranges(1000));
        r.header(header(1)); // same counter: SQLite keeps its cache, so may serve those pages unread
        assertTrue(r.contains(9));
        r.header(header(2)); // another commit: SQLite drops its cache and reads again
        assertFalse(r.contains(9));
        assertEquals("", r.ranges(1000));
    }

    @Test
    void ownCommitKeepsTheCacheAndAddsWhatItWrote() {
        ReadSet r = new ReadSet();
        r.header(header(1));
        r.note(5);
        byte[] pageOne = new byte[100];
        pageOne[27] = 2;
        r.committed(pageOne, List.of(1L, 7L));
        r.header(header(2)); // SQLite wrote counter 2 itself: its cache stays valid
        assertEquals("1,5,7", r.ranges(1000));
    }

    @Test
    void aCacheTheVfsMadeSqliteDropHoldsNothingEvenUnderTheSameHeader() {
        ReadSet r = new ReadSet();
        r.header(header(1));
        r.note(4);
        byte[] pageOne = new byte[100];
        pageOne[27] = 2;
        r.committed(pageOne, List.of(1L, 3L)); // a pipelined commit that will be refused
        r.dropped(); // another lineage: SQLite reset its cache
        r.header(header(2)); // another writer's version with the same counter
        assertEquals("", r.ranges(1000));
        assertTrue(r.all(p -> false), "nothing left to test");
    }

    @Test
    void aSetTooLongToSendIsNull() {
        ReadSet r = new ReadSet();
        for (long p = 1; p < 2000; p += 2) {
            r.note(p);
        }
        assertNull(r.ranges(100));
    }
}
