package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.SortedMap;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Read-ahead along scans, against a real page server: a two-level table tree (root 1, interior
 * pages 2..4, 300 leaves on even page numbers) and an index-like tree (root 5, 300 leaves on odd
 * page numbers), interleaved on disk as when a table and its index grow together.
 */
class ScanReadAheadServerTest {

    static final int PS = 4096;
    static final int LEAVES = 300;
    static final long PAGE_COUNT = 10 + 2L * LEAVES;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /** The table tree's leaves in key order. */
    static long tableLeaf(int i) {
        return 10 + 2L * i;
    }

    /** The index tree's leaves in key order. */
    static long indexLeaf(int i) {
        return 11 + 2L * i;
    }

    static SortedMap<Long, byte[]> database(int seed) {
        SortedMap<Long, byte[]> v = pages(PS, 1, PAGE_COUNT, seed);
        v.put(1L, BTreeInteriorTest.interior(PS, 1, 2, 3, 4));
        for (int k = 0; k < 3; k++) {
            long[] kids = new long[LEAVES / 3];
            for (int i = 0; i < kids.length; i++) {
                kids[i] = tableLeaf(k * kids.length + i);
            }
            v.put(2L + k, BTreeInteriorTest.interior(PS, 2 + k, kids));
        }
        long[] idx = new long[LEAVES];
        for (int i = 0; i < LEAVES; i++) {
            idx[i] = indexLeaf(i);
        }
        v.put(5L, BTreeInteriorTest.interior(PS, 5, idx));
        return v;
    }

    static String create(String prefix, SortedMap<Long, byte[]> v) throws Exception {
        String db = newDbName(prefix);
        try (RemotePageStore w = open(server.url(), db); Snapshot s = w.beginRead()) {
            s.commit(v, PAGE_COUNT, PS);
        }
        return db;
    }

    @Test
    void fullScanCrossesParentsInThreeRequests() throws Exception {
        SortedMap<Long, byte[]> v = database(1);
        String db = create("fullscan", v);
        try (RemotePageStore cold = open(server.url(), db); Snapshot s = cold.beginRead()) {
            ClientStats before = cold.stats().snapshot();
            for (int i = 0; i < LEAVES; i++) {
                read(s, 1 + i / (LEAVES / 3)); // the parent: a cache hit, as SQLite's cursor climbs
                assertArrayEquals(v.get(tableLeaf(i)), read(s, tableLeaf(i)), "leaf " + i);
            }
            ClientStats d = cold.stats().minus(before);
            // 1 page, then 1 + 32, then 1 + 512 (all that is left): 300 leaves in 3 requests
            assertEquals(3, d.requests(), "requests: " + d);
            assertEquals(LEAVES, d.pagesFetched(), "only the table's leaves: " + d);
            assertEquals(0, d.wastedReadAheadBytes(), "every page read ahead was read: " + d);
        }
    }

    @Test
    void interleavedIndexAndTableScansAreTwoStreams() throws Exception {
        SortedMap<Long, byte[]> v = database(2);
        String db = create("interleaved", v);
        try (RemotePageStore cold = open(server.url(), db); Snapshot s = cold.beginRead()) {
            ClientStats before = cold.stats().snapshot();
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(v.get(indexLeaf(i)), read(s, indexLeaf(i)));
                assertArrayEquals(v.get(tableLeaf(i)), read(s, tableLeaf(i)));
            }
            ClientStats d = cold.stats().minus(before);
            // per stream: 1 page, then 1 + 32, then 1 + 512 (capped by what the tree has left)
            assertTrue(d.requests() <= 6, "requests: " + d);
        }
    }

    @Test
    void aScanningStatementsFirstLeafBringsTheNextLeavesOfItsSnapshot() throws Exception {
        SortedMap<Long, byte[]> v1 = database(6);
        v1.get(5L)[0] = BTreeInterior.INTERIOR_INDEX; // the second tree is an index
        String db = create("hinted", v1);
        try (RemotePageStore cold = open(server.url(), db); RemotePageStore writer = open(server.url(), db)) {
            RemoteSession session = cold.newSession();
            session.scanHint(ScanHint.scan());
            try (Snapshot s = cold.beginRead(session)) {
                ClientStats before = cold.stats().snapshot();
                assertArrayEquals(v1.get(tableLeaf(0)), read(s, tableLeaf(0)));
                ClientStats first = cold.stats().minus(before);
                assertEquals(1, first.requests(), first.toString());
                assertEquals(1 + ScanStreams.FIRST_WINDOW, first.pagesFetched(), "the leaf and the next 32: " + first);
                // another client rewrites every leaf: the leaves read ahead are still the snapshot's
                try (Snapshot w = writer.beginRead()) {
                    w.commit(database(7), PAGE_COUNT, PS);
                }
                for (int i = 1; i <= ScanStreams.FIRST_WINDOW; i++) {
                    assertArrayEquals(v1.get(tableLeaf(i)), read(s, tableLeaf(i)), "leaf " + i);
                }
                ClientStats d = cold.stats().minus(before);
                assertEquals(1, d.requests(), "the 32 leaves came with the first: " + d);
                assertEquals(0, d.wastedReadAheadBytes(), d.toString());
                // an index's first leaf brings fewer (its entries are smaller than rows)
                read(s, indexLeaf(100));
                assertEquals(1 + ScanStreams.FIRST_WINDOW / ScanStreams.COMPANION_SHARE,
                        cold.stats().minus(before).pagesFetched() - d.pagesFetched());
            }
            session.scanHint(ScanHint.NONE);
            try (Snapshot s = cold.beginRead(session)) {
                ClientStats before = cold.stats().snapshot();
                read(s, tableLeaf(200));
                assertEquals(1, cold.stats().minus(before).pagesFetched(), "a lookup fetches its page alone");
            }
        }
    }

    @Test
    void pointLookupsReadNothingAhead() throws Exception {
        String db = create("points", database(3));
        try (RemotePageStore cold = open(server.url(), db); Snapshot s = cold.beginRead()) {
            ClientStats before = cold.stats().snapshot();
            for (int i = 0; i < 20; i++) {
                read(s, tableLeaf((i * 37) % LEAVES));
                read(s, indexLeaf((i * 53) % LEAVES));
            }
            ClientStats d = cold.stats().minus(before);
            assertEquals(40, d.requests(), "one request per lookup: " + d);
            assertEquals(40, d.pagesFetched(), "one page per lookup: " + d);
            assertEquals(0, d.readAheadPages(), d.toString());
            // warm: the same lookups in the same snapshot send nothing
            before = cold.stats().snapshot();
            for (int i = 0; i < 20; i++) {
                read(s, tableLeaf((i * 37) % LEAVES));
            }
            assertEquals(0, cold.stats().minus(before).requests());
        }
    }

    @Test
    void readAheadServesOnlyTheSnapshotsVersionWhileAnotherClientCommits() throws Exception {
        SortedMap<Long, byte[]> v1 = database(4);
        String db = create("version", v1);
        try (RemotePageStore reader = open(server.url(), db); RemotePageStore writer = open(server.url(), db)) {
            Snapshot s = reader.beginRead();
            long at = s.version();
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(v1.get(tableLeaf(i)), read(s, tableLeaf(i)));
            }
            // another client rewrites every leaf after the read-ahead started
            SortedMap<Long, byte[]> v2 = database(5);
            try (Snapshot w = writer.beginRead()) {
                w.commit(v2, PAGE_COUNT, PS);
            }
            for (int i = 10; i < LEAVES; i++) {
                assertArrayEquals(v1.get(tableLeaf(i)), read(s, tableLeaf(i)), "leaf " + i + " of version " + at);
            }
            s.close();
            try (Snapshot fresh = reader.beginRead()) {
                assertEquals(at + 1, fresh.version());
                ClientStats before = reader.stats().snapshot();
                for (int i = 0; i < LEAVES; i++) {
                    read(fresh, 1); // a cursor descends from the root: the changed interior pages come again
                    read(fresh, 2 + i / (LEAVES / 3));
                    assertArrayEquals(v2.get(tableLeaf(i)), read(fresh, tableLeaf(i)), "leaf " + i + " of the new version");
                }
                assertTrue(reader.stats().minus(before).requests() <= 8, "the new version is scanned ahead too: "
                        + reader.stats().minus(before));
            }
        }
    }
}
