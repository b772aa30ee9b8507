package io.dosqlite.remote;

import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.SortedMap;
import java.util.TreeMap;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/** RemotePageStore against a real local page server (workerd). */
class RemotePageStoreServerTest {

    static final int PS = 4096;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    static String url() {
        return server.url();
    }

    @Test
    void missingDatabaseIsNotFoundUnlessCreated() throws Exception {
        String db = newDbName("missing");
        PageStoreException e = assertThrows(PageStoreException.class,
                () -> RemotePageStore.open(config(url(), db).createIfMissing(false).build()));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("createIfMissing=true"), e.getMessage());
        try (RemotePageStore s = RemotePageStore.open(config(url(), db).pageSizeForNew(8192).build());
             Snapshot snap = s.beginRead()) {
            assertEquals(0, snap.version());
            assertEquals(0, snap.pageCount());
            assertEquals(0, snap.pageSize(), "no pages yet");
        }
        try (RemotePageStore s = RemotePageStore.open(config(url(), db).createIfMissing(false).build())) {
            assertEquals(0, s.knownVersion());
        }
    }

    @Test
    void aDatabaseDeletedAndCreatedAgainIsNotServedFromTheOldCache() throws Exception {
        String db = newDbName("reborn");
        try (RemotePageStore a = open(url(), db)) {
            try (Snapshot snap = a.beginRead()) {
                snap.commit(pages(PS, 1, 3, 1), 3, PS);
            }
            try (Snapshot snap = a.beginRead()) {
                assertArrayEquals(pages(PS, 1, 3, 1).get(2L), read(snap, 2)); // cached now
            }
            try (okhttp3.Response r = new okhttp3.OkHttpClient().newCall(new okhttp3.Request.Builder()
                    .url(url() + "/v1/databases/" + db).delete()
                    .header("Authorization", "Bearer " + TestPageServer.TOKEN).build()).execute()) {
                assertEquals(204, r.code());
            }
            // Another client creates it again and commits as often as the first life had.
            try (RemotePageStore b = open(url(), db)) {
                try (Snapshot snap = b.beginRead()) {
                    snap.commit(pages(PS, 1, 3, 2), 3, PS);
                }
            }
            try (Snapshot snap = a.beginRead()) {
                assertEquals(1, snap.version());
                assertArrayEquals(pages(PS, 1, 3, 2).get(2L), read(snap, 2), "page of the database's first life");
            }
        }
    }

    @Test
    void commitThenReadBackWarmAndCold() throws Exception {
        String db = newDbName("rw");
        SortedMap<Long, byte[]> v1 = pages(PS, 1, 20, 1);
        try (RemotePageStore s = open(url(), db)) {
            try (Snapshot snap = s.beginRead()) {
                ClientStats before = s.stats().snapshot();
                assertEquals(1, snap.commit(v1, 20, PS));
                ClientStats d = s.stats().minus(before);
                assertEquals(1, d.requests(), "a commit is one request");
                assertTrue(d.bytesUp() <= 20L * (8 + PS), "20 frames, or fewer bytes gzipped: " + d);
                assertEquals(1, snap.version());
                assertEquals(20, snap.pageCount());
                assertEquals(PS, snap.pageSize());
                before = s.stats().snapshot();
                for (long p = 1; p <= 20; p++) {
                    assertArrayEquals(v1.get(p), read(snap, p));
                }
                assertEquals(0, s.stats().minus(before).requests(), "own commit is cached");
            }
            ClientStats before = s.stats().snapshot();
            try (Snapshot snap = s.beginRead()) {
                assertEquals(1, snap.version());
                assertArrayEquals(v1.get(7L), read(snap, 7));
            }
            assertEquals(1, s.stats().minus(before).requests(), "warm read transaction = 1 request (version check)");
        }
        try (RemotePageStore cold = RemotePageStore.open(config(url(), db).prefetchInterior(false).build());
             Snapshot snap = cold.beginRead()) {
            ClientStats before = cold.stats().snapshot();
            for (long p = 1; p <= 20; p++) {
                assertArrayEquals(v1.get(p), read(snap, p), "page " + p);
            }
            ClientStats d = cold.stats().minus(before);
            assertEquals(20, d.pagesFetched());
            assertTrue(d.requests() <= 3, "sequential cold scan is batched: " + d);
            System.out.println("cold scan of 20 pages: " + d);
        }
    }

    @Test
    void snapshotIsolationAndOnlyChangedPagesRefetched() throws Exception {
        String db = newDbName("iso");
        SortedMap<Long, byte[]> v1 = pages(PS, 1, 10, 1);
        try (RemotePageStore a = open(url(), db); RemotePageStore other = open(url(), db);
             RemotePageStore reader = open(url(), db)) {
            try (Snapshot s = a.beginRead()) {
                s.commit(v1, 10, PS);
            }
            Snapshot atV1 = a.beginRead();
            Snapshot readerAtV1 = reader.beginRead();
            assertEquals(1, atV1.version());
            for (long p = 1; p <= 10; p++) {
                read(atV1, p);
            }
            // "another JVM" commits version 2, changing pages 3 and 7
            SortedMap<Long, byte[]> change = new TreeMap<>();
            change.put(3L, page(PS, 3, 2));
            change.put(7L, page(PS, 7, 2));
            try (Snapshot s = other.beginRead()) {
                assertEquals(1, s.version());
                assertEquals(2, s.commit(change, 10, PS));
            }
            // open snapshots keep reading version 1: from the cache, and from the server at v1 on a miss
            assertArrayEquals(v1.get(3L), read(atV1, 3));
            assertArrayEquals(v1.get(7L), read(readerAtV1, 7));
            assertArrayEquals(v1.get(3L), read(readerAtV1, 3));
            // a new transaction sees version 2; only the changed pages are fetched again
            ClientStats before = a.stats().snapshot();
            try (Snapshot s2 = a.beginRead()) {
                assertEquals(2, s2.version());
                for (long p = 1; p <= 10; p++) {
                    byte[] want = change.containsKey(p) ? change.get(p) : v1.get(p);
                    assertArrayEquals(want, read(s2, p), "page " + p);
                }
            }
            ClientStats d = a.stats().minus(before);
            assertEquals(3, d.requests(), "version check + 2 changed pages: " + d);
            assertEquals(2, d.pagesFetched());
            assertEquals(2, d.cacheMisses());
            assertEquals(8, d.cacheHits());
            // the old snapshot still reads the old images after the new ones were cached
            assertArrayEquals(v1.get(7L), read(atV1, 7));
            assertArrayEquals(v1.get(3L), read(atV1, 3));
            atV1.close();
            readerAtV1.close();
            try (Snapshot s2 = reader.beginRead()) {
                assertArrayEquals(change.get(3L), read(s2, 3));
            }
        }
    }

    @Test
    void concurrentCommitIsAConflict() throws Exception {
        String db = newDbName("conflict");
        try (RemotePageStore a = open(url(), db); RemotePageStore b = open(url(), db)) {
            try (Snapshot s = a.beginRead()) {
                s.commit(pages(PS, 1, 2, 1), 2, PS);
            }
            Snapshot sa = a.beginRead();
            Snapshot sb = b.beginRead();
            sa.commit(pages(PS, 1, 1, 2), 2, PS);
            PageStoreException e = assertThrows(PageStoreException.class, () -> sb.commit(pages(PS, 2, 2, 3), 2, PS));
            assertEquals(Kind.CONFLICT, e.kind());
            assertEquals("40001", e.kind().sqlState());
            assertTrue(e.getMessage().contains("another client committed version 2 first; retry the transaction"), e.getMessage());
            assertEquals(1, b.stats().conflicts());
            sa.close();
            sb.close();
            // retrying the transaction works and sees a's page
            try (Snapshot s = b.beginRead()) {
                assertArrayEquals(page(PS, 1, 2), read(s, 1));
                assertEquals(3, s.commit(pages(PS, 2, 2, 3), 2, PS));
            }
        }
    }

    @Test
    void truncationShrinksThePageCount() throws Exception {
        String db = newDbName("trunc");
        try (RemotePageStore a = open(url(), db); RemotePageStore b = open(url(), db)) {
            try (Snapshot s = a.beginRead()) {
                s.commit(pages(PS, 1, 8, 1), 8, PS);
            }
            try (Snapshot s = b.beginRead()) {
                read(s, 8);
                s.commit(new TreeMap<>(), 5, PS);
                assertEquals(5, s.pageCount());
                assertEquals(Kind.INVALID, assertThrows(PageStoreException.class, () -> read(s, 8)).kind());
            }
            try (Snapshot s = a.beginRead()) {
                assertEquals(5, s.pageCount());
                // growing again: the new page 8 is not the old cached one
                s.commit(java.util.Map.of(8L, page(PS, 8, 9), 6L, page(PS, 6, 9), 7L, page(PS, 7, 9))
                        .entrySet().stream().collect(TreeMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), TreeMap::putAll), 8, PS);
            }
            try (Snapshot s = b.beginRead()) {
                assertArrayEquals(page(PS, 8, 9), read(s, 8));
            }
        }
    }

    @Test
    void wrongTokenIsAuth() throws Exception {
        String db = newDbName("auth");
        open(url(), db).close();
        for (String token : new String[] {"wrong", null}) {
            PageStoreException e = assertThrows(PageStoreException.class,
                    () -> RemotePageStore.open(config(url(), db).token(token).build()));
            assertEquals(Kind.AUTH, e.kind());
            assertTrue(e.getMessage().contains("set the token property or DOSQLITE_TOKEN"), e.getMessage());
        }
    }

    @Test
    void serverDownIsUnavailableQuickly() throws Exception {
        String down = "http://127.0.0.1:" + LocalPageServer.freePort();
        long t0 = System.nanoTime();
        PageStoreException e = assertThrows(PageStoreException.class, () -> open(down, "nobody"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("cannot reach page server at " + down), e.getMessage());
        assertTrue(e.getMessage().contains("./dosqlite serve"), e.getMessage());
        assertTrue(ms < 3000, "took " + ms + " ms");
    }

    @Test
    void readOnlyRefusesCommitBeforeAnyRequest() throws Exception {
        String db = newDbName("ro");
        open(url(), db).close();
        try (RemotePageStore s = RemotePageStore.open(config(url(), db).readOnly(true).build());
             Snapshot snap = s.beginRead()) {
            long before = s.stats().requests();
            PageStoreException e = assertThrows(PageStoreException.class, () -> snap.commit(pages(PS, 1, 1, 1), 1, PS));
            assertEquals(Kind.INVALID, e.kind());
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertEquals(before, s.stats().requests());
        }
        PageStoreException e = assertThrows(PageStoreException.class, () -> RemotePageStore.open(
                config(url(), newDbName("ro-missing")).readOnly(true).build()));
        assertEquals(Kind.NOT_FOUND, e.kind());
    }

    @Test
    void largeCommitGoesThroughStages() throws Exception {
        String db = newDbName("stage");
        int perRequest = 17;
        long limit = (long) perRequest * (8 + PS) + 100; // 17 frames per request
        SortedMap<Long, byte[]> big = pages(PS, 1, 60, 5);
        try (RemotePageStore s = RemotePageStore.open(config(url(), db).maxRequestBytes(limit).build());
             Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            assertEquals(1, snap.commit(big, 60, PS));
            ClientStats d = s.stats().minus(before);
            assertEquals(4, d.requests(), "3 stage uploads of 17 pages + 1 commit of 9: " + d);
        }
        try (RemotePageStore cold = RemotePageStore.open(config(url(), db).build()); Snapshot snap = cold.beginRead()) {
            assertEquals(60, snap.pageCount());
            for (long p = 1; p <= 60; p++) {
                assertArrayEquals(big.get(p), read(snap, p), "page " + p);
            }
        }
    }

    @Test
    void coldPointLookupAfterInteriorPrefetchIsOneRequest() throws Exception {
        String db = newDbName("interior");
        SortedMap<Long, byte[]> v1 = pages(PS, 1, 40, 1);
        v1.get(1L)[100] = 0x05; // page 1: interior table b-tree page
        v1.get(2L)[0] = 0x05;   // page 2: interior table page
        v1.get(3L)[0] = 0x02;   // page 3: interior index page
        try (RemotePageStore w = open(url(), db); Snapshot s = w.beginRead()) {
            s.commit(v1, 40, PS);
        }
        try (RemotePageStore cold = RemotePageStore.open(config(url(), db).build())) {
            ClientStats afterOpen = cold.stats().snapshot();
            assertEquals(1, afterOpen.requests(), "open = the interior prefetch, which also answers the info");
            assertEquals(1, cold.knownVersion(), "the version, from the prefetch's headers");
            assertEquals(3, afterOpen.pagesFetched(), "pages 1, 2, 3 prefetched");
            try (Snapshot s = cold.beginRead()) {
                assertArrayEquals(v1.get(1L), read(s, 1));
                assertArrayEquals(v1.get(2L), read(s, 2));
                assertArrayEquals(v1.get(3L), read(s, 3));
                assertArrayEquals(v1.get(33L), read(s, 33)); // the leaf
            }
            ClientStats d = cold.stats().minus(afterOpen);
            assertEquals(2, d.requests(), "version check + 1 leaf: " + d);
            assertEquals(3, d.cacheHits());
            System.out.println("cold point lookup after open: " + d + "; open: " + afterOpen);
        }
    }

    @Test
    void pingAndCallTimeout() throws Exception {
        String db = newDbName("ping");
        try (RemotePageStore s = open(url(), db)) {
            s.ping(Duration.ofSeconds(2));
            s.setCallTimeout(Duration.ofSeconds(5));
            assertEquals(Duration.ofSeconds(5), s.callTimeout());
        }
        try (RemotePageStore s = open(url(), db)) {
            s.close();
            assertThrows(PageStoreException.class, s::beginRead);
        }
    }

    @Test
    void cacheIsBoundedByBytes() throws Exception {
        String db = newDbName("bound");
        try (RemotePageStore w = open(url(), db); Snapshot s = w.beginRead()) {
            s.commit(pages(PS, 1, 64, 1), 64, PS);
        }
        try (RemotePageStore s = RemotePageStore.open(config(url(), db).cacheBytes(10L * PS).build());
             Snapshot snap = s.beginRead()) {
            for (long p = 1; p <= 64; p++) {
                assertArrayEquals(page(PS, p, 1), read(snap, p));
                assertTrue(s.cachedBytes() <= 10L * PS);
            }
        }
    }

    @Test
    void serverLimitsAndMismatchesAreClearErrors() throws Exception {
        String db = newDbName("limits");
        try (RemotePageStore s = open(url(), db)) {
            try (Snapshot snap = s.beginRead()) {
                snap.commit(pages(PS, 1, 300, 1), 300, PS);
            }
            try (Snapshot snap = s.beginRead()) {
                PageStoreException e = assertThrows(PageStoreException.class,
                        () -> snap.commit(pages(8192, 1, 1, 2), 300, 8192));
                assertEquals(Kind.INVALID, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains("page_size_mismatch"), e.getMessage());
            }
            // more pages per read than the protocol allows: the server's 413 maps to TOO_LARGE
            long[] many = new long[5000];
            for (int i = 0; i < many.length; i++) {
                many[i] = i % 300 + 1;
            }
            PageStoreException e = assertThrows(PageStoreException.class, () -> s.parts().reads().fetch(1, PS, many));
            assertEquals(Kind.TOO_LARGE, e.kind(), e.getMessage());
        }
    }

    @Test
    void pingWithWrongTokenIsAuth() throws Exception {
        String db = newDbName("ping-auth");
        open(url(), db).close();
        // open succeeds only with the right token, so build the store with it and ping elsewhere
        PageStoreException e = assertThrows(PageStoreException.class,
                () -> RemotePageStore.open(config(url(), db).token("nope").build()).ping(Duration.ofSeconds(1)));
        assertEquals(Kind.AUTH, e.kind());
    }

    @Test
    void scanInTreeOrderIsBatchedEvenWhenLeavesAreNotContiguous() throws Exception {
        String db = newDbName("treescan");
        // page 1: interior table page whose children are the even pages 2..80 (leaves interleaved
        // with another tree's odd pages, as when a table and its index grow together)
        long[] kids = new long[40];
        for (int i = 0; i < kids.length; i++) {
            kids[i] = 2 + 2L * i;
        }
        SortedMap<Long, byte[]> v1 = pages(PS, 1, 81, 1);
        v1.put(1L, BTreeInteriorTest.interior(PS, 1, kids));
        try (RemotePageStore w = open(url(), db); Snapshot s = w.beginRead()) {
            s.commit(v1, 81, PS);
        }
        try (RemotePageStore cold = open(url(), db); Snapshot s = cold.beginRead()) {
            ClientStats before = cold.stats().snapshot();
            for (long k : kids) {
                read(s, 1); // SQLite goes back to the parent (a cache hit) ...
                assertArrayEquals(v1.get(k), read(s, k)); // ... then the next leaf
            }
            ClientStats d = cold.stats().minus(before);
            System.out.println("tree-order scan of 40 leaves: " + d);
            assertEquals(40, d.pagesFetched(), "only the leaves, no odd pages: " + d);
            assertTrue(d.requests() <= 4, "batched: " + d);
        }
    }
}
