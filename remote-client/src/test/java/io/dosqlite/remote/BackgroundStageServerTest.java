package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.SortedMap;
import java.util.TreeMap;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Large transactions upload their pages while they run (Snapshot.pageWritten); the commit sends
 * only what changed since and publishes the stage. What the database holds afterwards must be
 * exactly the pages given to commit, whatever was uploaded early.
 */
class BackgroundStageServerTest {

    static final int PS = 4096;
    static final int CHUNK_PAGES = (int) (BackgroundStage.CHUNK_BYTES / PS);

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /** A store that uploads large transactions while they run (off by default). */
    private static RemotePageStore early(String db) throws Exception {
        // uncompressed: these tests count the pages sent by their bytes
        return RemotePageStore.open(config(server.url(), db).uploadDuringTransaction(true).compress(false).build());
    }

    /** Announces every page as the VFS does while SQLite spills, with live (mutable) buffers. */
    private static SortedMap<Long, byte[]> writeEarly(Snapshot snap, long from, long to, int seed) {
        SortedMap<Long, byte[]> live = pages(PS, from, to, seed);
        for (var e : live.entrySet()) {
            snap.pageWritten(e.getKey(), e.getValue());
        }
        return live;
    }

    private static void assertDatabaseHolds(String db, SortedMap<Long, byte[]> expected, long pageCount) throws Exception {
        try (RemotePageStore cold = open(server.url(), db); Snapshot snap = cold.beginRead()) {
            assertEquals(pageCount, snap.pageCount());
            for (long p = 1; p <= pageCount; p++) {
                byte[] want = expected.get(p);
                assertArrayEquals(want == null ? new byte[PS] : want, read(snap, p), "page " + p);
            }
        }
    }

    @Test
    void pagesChangedAfterTheirUploadAreSentAgainAtCommit() throws Exception {
        String db = newDbName("early");
        long n = 2L * CHUNK_PAGES + 100;
        try (RemotePageStore s = early(db); Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            SortedMap<Long, byte[]> live = writeEarly(snap, 1, n, 3); // two chunks start uploading
            // SQLite changes pages again in place after they were spilled (and uploaded)
            live.get(1L)[200] ^= 0x55;
            live.get(5L)[4000] ^= 0x55;
            live.get((long) CHUNK_PAGES + 7)[17] ^= 0x55;
            snap.pageWritten(1, live.get(1L)); // announced again, like a real spill ...
            // ... but pages 5 and CHUNK+7 are not: correctness must not depend on announcements
            assertEquals(1, snap.commit(new TreeMap<>(live), n, PS));
            ClientStats d = s.stats().minus(before);
            assertEquals(3, d.requests(), "two stage uploads and the commit: " + d);
            assertTrue(d.bytesUp() < (n + 10) * (PS + 8L),
                    "each page is sent once, plus the 3 changed after their upload: " + d);
            assertTrue(d.bytesUp() >= (n + 3) * (PS + 8L), "the changed pages are sent again: " + d);
            assertDatabaseHolds(db, live, n);
        }
    }

    @Test
    void aPageRewrittenWhileItsUploadsOverlapEndsWithItsLastImage() throws Exception {
        String db = newDbName("hot");
        long n = 6L * CHUNK_PAGES;
        try (RemotePageStore s = early(db); Snapshot snap = s.beginRead()) {
            SortedMap<Long, byte[]> live = pages(PS, 1, n, 11);
            byte[] hot = live.get(1L); // like the root or the rightmost leaf of a bulk insert
            for (long p = 2; p <= n; p++) {
                snap.pageWritten(p, live.get(p));
                hot[(int) (p % PS)]++;
                snap.pageWritten(1, hot); // announced again and again, across concurrent uploads
            }
            assertEquals(1, snap.commit(new TreeMap<>(live), n, PS));
            assertTrue(s.stats().requests() > 4, "uploads ran: " + s.stats());
            assertDatabaseHolds(db, live, n);
        }
    }

    @Test
    void byDefaultNothingOfATransactionLeavesTheJvmBeforeCommit() throws Exception {
        String db = newDbName("strict");
        long n = 3L * CHUNK_PAGES;
        try (RemotePageStore s = open(server.url(), db); Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            SortedMap<Long, byte[]> live = writeEarly(snap, 1, n, 12);
            assertEquals(0, s.stats().minus(before).requests(), "DESIGN.md invariant 1");
            snap.commit(new TreeMap<>(live), n, PS);
            assertEquals(1, s.stats().minus(before).requests(), "everything in the commit");
            assertDatabaseHolds(db, live, n);
        }
    }

    @Test
    void smallTransactionsUploadNothingEarly() throws Exception {
        String db = newDbName("small");
        try (RemotePageStore s = early(db); Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            SortedMap<Long, byte[]> live = writeEarly(snap, 1, CHUNK_PAGES - 1, 4);
            assertEquals(0, s.stats().minus(before).requests());
            snap.commit(new TreeMap<>(live), CHUNK_PAGES - 1, PS);
            assertEquals(1, s.stats().minus(before).requests());
            assertDatabaseHolds(db, live, CHUNK_PAGES - 1);
        }
    }

    @Test
    void aTransactionThatShrankBelowItsUploadedPagesCommitsWithoutTheStage() throws Exception {
        String db = newDbName("shrunk");
        long n = CHUNK_PAGES + 10;
        try (RemotePageStore s = early(db); Snapshot snap = s.beginRead()) {
            SortedMap<Long, byte[]> live = writeEarly(snap, 1, n, 5);
            long keep = 20;
            SortedMap<Long, byte[]> kept = new TreeMap<>(live.headMap(keep + 1));
            assertEquals(1, snap.commit(kept, keep, PS));
            assertDatabaseHolds(db, kept, keep);
        }
    }

    @Test
    void uploadsOfARolledBackTransactionNeverBecomeVisible() throws Exception {
        String db = newDbName("rollback");
        SortedMap<Long, byte[]> first = pages(PS, 1, 3, 6);
        try (RemotePageStore s = early(db)) {
            try (Snapshot snap = s.beginRead()) {
                snap.commit(first, 3, PS);
            }
            try (Snapshot snap = s.beginRead()) {
                writeEarly(snap, 1, 2L * CHUNK_PAGES, 7); // uploaded, then the transaction rolls back
            }
            SortedMap<Long, byte[]> second = pages(PS, 2, 2, 8);
            try (Snapshot snap = s.beginRead()) {
                assertEquals(2, snap.commit(second, 3, PS));
            }
            SortedMap<Long, byte[]> expected = new TreeMap<>(first);
            expected.putAll(second);
            assertDatabaseHolds(db, expected, 3);
        }
    }
}
