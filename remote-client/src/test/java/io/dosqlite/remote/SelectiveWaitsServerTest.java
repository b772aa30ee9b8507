package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static io.dosqlite.remote.RemoteTests.config;
import static io.dosqlite.remote.RemoteTests.newDbName;
import static io.dosqlite.remote.RemoteTests.page;
import static io.dosqlite.remote.RemoteTests.pages;
import static io.dosqlite.remote.RemoteTests.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A commit waits only for the lease holders that may cache a page it changes (docs/protocol.md,
 * "Waits only for holders of changed pages"), and a holder whose push of it is late still never
 * reads an older version than one answered before its transaction began. The late push is made
 * late on purpose (a test hook delays every invalidation the reader's socket receives by 3 s).
 */
class SelectiveWaitsServerTest {
    static final int PS = 1024;
    static final String LATE_PUSHES = "delayMs=3000";

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", "20000");

    private static RemotePageStore leased(String db) throws Exception {
        return RemotePageStore.open(config(server.url(), db).leases(true).build());
    }

    /** A holder whose pushes arrive 3 s late (the hook is read when its socket is made). */
    private static RemotePageStore lateHolder(String db) throws Exception {
        System.setProperty("dosqlite.test.pushFaults", LATE_PUSHES);
        try {
            return leased(db);
        } finally {
            System.clearProperty("dosqlite.test.pushFaults");
        }
    }

    private static long commit(RemotePageStore s, SortedMap<Long, byte[]> pages, long count) throws Exception {
        try (Snapshot snap = s.beginRead()) {
            return snap.commit(pages, count, PS);
        }
    }

    @Test
    void aCommitOfAPageAHolderNeverReadDoesNotWaitForItAndItsNextTransactionSeesIt() throws Exception {
        String db = newDbName("selective");
        try (RemotePageStore writer = leased(db)) {
            commit(writer, pages(PS, 1, 4, 1), 4);
            try (RemotePageStore reader = lateHolder(db)) {
                try (Snapshot s = reader.beginRead()) {
                    read(s, 1);
                    read(s, 2);
                }
                RemoteTests.awaitRecorded(reader, 2); // its lease trusts page 2 without asking
                ClientStats w = writer.stats().snapshot();
                long answered = commit(writer, new TreeMap<>(Map.of(3L, page(PS, 3, 2))), 4);
                assertEquals(0, writer.stats().minus(w).heldForHolders(),
                        "the reader was never served page 3: the commit must not wait for it");
                // its push is 3 s away: this transaction starts on the version before, from the cache
                assertTrue(reader.leaseTrusted());
                ClientStats r = reader.stats().snapshot();
                try (Snapshot s = reader.beginRead()) {
                    assertArrayEquals(page(PS, 2, 1), read(s, 2), "a cached page nobody changed");
                    assertArrayEquals(page(PS, 3, 2), read(s, 3), "a commit answered before this transaction began");
                    assertEquals(answered, s.version(), "the transaction moved to the version answered");
                }
                assertEquals(1, reader.stats().minus(r).requests(), "one read, which also proved the version");
                // a page it was served: a commit of it waits for the (late) acknowledgement
                w = writer.stats().snapshot();
                commit(writer, new TreeMap<>(Map.of(2L, page(PS, 2, 3))), 4);
                assertEquals(1, writer.stats().minus(w).heldForHolders(), "the reader caches page 2");
                try (Snapshot s = reader.beginRead()) {
                    assertArrayEquals(page(PS, 2, 3), read(s, 2));
                }
            }
        }
    }

    @Test
    void anUnusedReadAheadGuessIsNotWaitedForAndIsProvenBeforeATransactionOnTheLeaseUsesIt() throws Exception {
        String db = newDbName("selective");
        try (RemotePageStore writer = leased(db)) {
            commit(writer, pages(PS, 1, 8, 1), 8);
            try (RemotePageStore reader = lateHolder(db)) {
                // sequential misses: the reader fetches the pages after them as guesses (4 to 8)
                ClientStats before = reader.stats().snapshot();
                try (Snapshot s = reader.beginRead()) {
                    for (long p = 1; p <= 3; p++) {
                        read(s, p); // page 1 came with the open; 2 and 3 are sequential misses
                    }
                }
                assertEquals(5, reader.stats().minus(before).readAheadPages(), "pages 4 to 8 came as guesses");
                RemoteTests.awaitLease(reader);
                ClientStats w = writer.stats().snapshot();
                long answered = commit(writer, new TreeMap<>(Map.of(7L, page(PS, 7, 2))), 8);
                assertEquals(0, writer.stats().minus(w).heldForHolders(), "an unused guess holds no commit back");
                ClientStats r = reader.stats().snapshot();
                try (Snapshot s = reader.beginRead()) {
                    assertArrayEquals(page(PS, 7, 2), read(s, 7), "the guess was proven (and moved) before use");
                    assertArrayEquals(page(PS, 2, 1), read(s, 2));
                    assertEquals(answered, s.version());
                }
                assertEquals(1, reader.stats().minus(r).requests());
            }
        }
    }

    @Test
    void aPageFetchedAtAnOlderVersionIsNotTrustedByTheNextTransaction() throws Exception {
        String db = newDbName("selective");
        try (RemotePageStore writer = leased(db)) {
            commit(writer, pages(PS, 1, 4, 1), 4);
            try (RemotePageStore reader = lateHolder(db)) {
                try (Snapshot s = reader.beginRead()) {
                    read(s, 1);
                }
                RemoteTests.awaitLease(reader);
                try (Snapshot old = reader.beginRead()) {
                    read(old, 2); // its first fetch proves it current
                    long answered = commit(writer, new TreeMap<>(Map.of(3L, page(PS, 3, 2))), 4);
                    // this transaction began before the commit: it reads page 3 as it was
                    assertArrayEquals(page(PS, 3, 1), read(old, 3));
                    try (Snapshot next = reader.beginRead()) {
                        // began after the commit was answered, its push 3 s away: the copy just
                        // fetched for the older transaction must not stand for the newer version
                        assertArrayEquals(page(PS, 3, 2), read(next, 3), "a copy of an older version was trusted");
                        assertEquals(answered, next.version());
                    }
                }
            }
        }
    }

    /**
     * Defect 9 (docs/reliability.md): a transaction read page 1 at one version and moved to a newer
     * one (page 1 differed in its change counter alone), so the page 1 it commits carries the
     * counter it read + 1, which the version it moved to already has. The page server gives it the
     * next counter, and the writer's own copy must carry that too: a SQLite that cached pages at a
     * version with the repeated counter would keep them across this commit and overwrite it.
     */
    @Test
    void aPageOneWrittenAfterAMoveGetsTheNextChangeCounterOnTheServerAndInTheWritersCache() throws Exception {
        String db = newDbName("selective");
        try (RemotePageStore writer = leased(db)) {
            SortedMap<Long, byte[]> first = pages(PS, 1, 4, 1);
            first.put(1L, sqlitePageOne(1));
            commit(writer, first, 4);
            try (RemotePageStore mover = lateHolder(db)) {
                try (Snapshot s = mover.beginRead()) {
                    read(s, 1);
                    read(s, 2);
                }
                RemoteTests.awaitRecorded(mover, 2);
                long moved = commit(writer, new TreeMap<>(Map.of(1L, sqlitePageOne(2), 3L, page(PS, 3, 2))), 4);
                long landed;
                try (Snapshot s = mover.beginRead()) {
                    assertEquals(1, counterOf(read(s, 1)), "page 1 as cached before the writer's commit (its push is late)");
                    read(s, 3); // not cached: the fetch proves what the transaction read and moves it
                    assertEquals(moved, s.version(), "the transaction moved to the writer's version");
                    landed = s.commit(new TreeMap<>(Map.of(1L, sqlitePageOne(2), 4L, page(PS, 4, 3))), 4, PS);
                }
                try (Snapshot s = mover.beginRead()) {
                    assertEquals(landed, s.version());
                    assertEquals(3, counterOf(read(s, 1)), "the mover's own copy of page 1 carries the server's counter");
                }
            }
            try (RemotePageStore fresh = RemotePageStore.open(config(server.url(), db).build());
                 Snapshot s = fresh.beginRead()) {
                assertEquals(3, counterOf(read(s, 1)), "the page server gave page 1 the next change counter");
                assertArrayEquals(page(PS, 4, 3), read(s, 4));
            }
        }
    }

    /** A page 1 with SQLite's header: the magic, the page size, the change counter at 24 and 92. */
    private static byte[] sqlitePageOne(int counter) {
        byte[] b = page(PS, 1, 1);
        byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, b, 0, magic.length);
        java.nio.ByteBuffer.wrap(b).putShort(16, (short) PS).putInt(24, counter).putInt(28, 4).putInt(92, counter);
        return b;
    }

    private static int counterOf(byte[] pageOne) {
        return java.nio.ByteBuffer.wrap(pageOne).getInt(24);
    }
}
