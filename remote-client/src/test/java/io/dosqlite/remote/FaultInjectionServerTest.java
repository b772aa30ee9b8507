package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Rule;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/** Network faults injected by a real TCP proxy between the client and a real page server. */
class FaultInjectionServerTest {

    static final int PS = 4096;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();
    FaultProxy proxy;

    @BeforeEach
    void startProxy() throws Exception {
        proxy = new FaultProxy(server.port(), 1).keepAlive(); // clients reuse connections, as with the server
    }

    @AfterEach
    void stopProxy() throws Exception {
        proxy.close();
    }

    /** A database with pages 1..n at version 1, committed directly (not through the proxy). */
    String seeded(String prefix, int n) throws Exception {
        String db = newDbName(prefix);
        try (RemotePageStore s = open(server.url(), db); Snapshot snap = s.beginRead()) {
            snap.commit(pages(PS, 1, n, 1), n, PS);
        }
        return db;
    }

    long serverVersion(String db) throws Exception {
        try (RemotePageStore s = open(server.url(), db); Snapshot snap = s.beginRead()) {
            return snap.version();
        }
    }

    @Test
    void lostCommitResponseIsResolvedAsApplied() throws Exception {
        String db = seeded("lost-resp", 4);
        try (RemotePageStore s = open(proxy.url(), db); Snapshot snap = s.beginRead()) {
            SortedMap<Long, byte[]> change = pages(PS, 2, 2, 7);
            proxy.rule(Rule.next(Action.of(Fault.DROP_AFTER)));
            ClientStats before = s.stats().snapshot();
            assertEquals(2, snap.commit(change, 4, PS), "the applied commit's result, found by asking");
            assertEquals(1, proxy.appliedTotal());
            ClientStats d = s.stats().minus(before);
            assertEquals(2, d.requests(), "commit + GET /commits/{key}: " + d);
            assertEquals(1, d.commits());
        }
        assertEquals(2, serverVersion(db), "applied exactly once");
        try (RemotePageStore s = open(server.url(), db); Snapshot snap = s.beginRead()) {
            assertArrayEquals(page(PS, 2, 7), read(snap, 2));
        }
    }

    @Test
    void swallowedCommitIsResolvedAsNotAppliedAndResentWithTheSameKey() throws Exception {
        String db = seeded("swallowed", 4);
        try (RemotePageStore s = open(proxy.url(), db); Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.DROP_BEFORE)));
            ClientStats before = s.stats().snapshot();
            assertEquals(2, snap.commit(pages(PS, 3, 3, 8), 4, PS));
            assertEquals(1, proxy.appliedTotal());
            ClientStats d = s.stats().minus(before);
            assertEquals(3, d.requests(), "commit + look-up (404) + re-send: " + d);
        }
        assertEquals(2, serverVersion(db), "applied exactly once");
    }

    @Test
    void corruptPageIsAnErrorAndNeverCached() throws Exception {
        String db = seeded("corrupt", 4);
        try (RemotePageStore s = RemotePageStore.open(config(proxy.url(), db).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.BITFLIP)));
            byte[] buf = new byte[PS];
            PageStoreException e = assertThrows(PageStoreException.class, () -> snap.readPage(3, buf, 0));
            assertEquals(Kind.CORRUPT, e.kind());
            assertEquals(1, proxy.appliedTotal());
            assertEquals(0, s.cachedBytes(), "nothing of the bad answer was cached");
            long before = s.stats().requests();
            assertArrayEquals(page(PS, 3, 1), read(snap, 3), "read again from the server, intact");
            assertEquals(before + 1, s.stats().requests());
        }
    }

    @Test
    void stalledServerTimesOut() throws Exception {
        String db = seeded("stall", 2);
        try (RemotePageStore s = RemotePageStore.open(config(proxy.url(), db).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            s.setCallTimeout(Duration.ofMillis(500));
            proxy.rule(Rule.next(Action.of(Fault.STALL_AFTER, 60_000)));
            long t0 = System.nanoTime();
            PageStoreException e = assertThrows(PageStoreException.class, () -> read(snap, 1));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Kind.TIMEOUT, e.kind(), e.getMessage());
            assertTrue(ms < 2000, "took " + ms + " ms");
            s.setCallTimeout(Duration.ofSeconds(10));
            assertArrayEquals(page(PS, 1, 1), read(snap, 1));
        }
    }

    @Test
    void stalledCommitTimesOutThenResolves() throws Exception {
        String db = seeded("stall-commit", 2);
        try (RemotePageStore s = open(proxy.url(), db); Snapshot snap = s.beginRead()) {
            s.setCallTimeout(Duration.ofMillis(700));
            proxy.rule(Rule.next(Action.of(Fault.STALL_AFTER, 60_000)));
            // the server applies it; the answer is held; the client times out and asks
            assertEquals(2, snap.commit(pages(PS, 1, 1, 4), 2, PS));
        }
        assertEquals(2, serverVersion(db));
    }

    @Test
    void cancelInFlightAbortsQuickly() throws Exception {
        String db = seeded("cancel", 2);
        try (RemotePageStore s = RemotePageStore.open(config(proxy.url(), db).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.STALL_AFTER, 60_000)));
            // cancel once the read is stalled in the proxy (not after a fixed delay, which on a
            // loaded machine could come before the read was even sent and cancel nothing)
            CompletableFuture<Void> aborter = CompletableFuture.runAsync(() -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (proxy.appliedTotal() == 0 && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                s.cancelInFlight();
            });
            long t0 = System.nanoTime();
            PageStoreException e = assertThrows(PageStoreException.class, () -> read(snap, 1));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            aborter.get(5, TimeUnit.SECONDS);
            assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
            assertTrue(ms < 30_000, "took " + ms + " ms (the stall lasts 60 s)");
            // the store remains usable
            assertArrayEquals(page(PS, 1, 1), read(snap, 1));
        }
    }

    @Test
    void idempotentReadRetriesAfterABrokenConnection() throws Exception {
        String db = seeded("retry", 2);
        try (RemotePageStore s = RemotePageStore.open(config(proxy.url(), db).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.DROP_AFTER)));
            ClientStats before = s.stats().snapshot();
            assertArrayEquals(page(PS, 2, 1), read(snap, 2));
            ClientStats d = s.stats().minus(before);
            assertEquals(2, d.requests());
            assertEquals(1, d.retries());
        }
    }

    @Test
    void commitAnswered503AfterApplyingIsResolvedNotGuessed() throws Exception {
        String db = seeded("503-applied", 3);
        try (RemotePageStore s = open(proxy.url(), db); Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.ERROR_503_AFTER)));
            assertEquals(2, snap.commit(pages(PS, 1, 1, 6), 3, PS));
            assertEquals(1, proxy.appliedTotal());
        }
        assertEquals(2, serverVersion(db), "applied exactly once");
    }

    @Test
    void commitRefused503IsResentWithTheSameKey() throws Exception {
        String db = seeded("503-refused", 3);
        try (RemotePageStore s = open(proxy.url(), db); Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.ERROR_503_BEFORE)));
            ClientStats before = s.stats().snapshot();
            assertEquals(2, snap.commit(pages(PS, 1, 1, 6), 3, PS));
            assertEquals(3, s.stats().minus(before).requests(), "commit (503) + look-up (404) + re-send");
        }
        assertEquals(2, serverVersion(db));
    }

    @Test
    void idempotentRequestRetriesA503() throws Exception {
        String db = seeded("503-read", 2);
        try (RemotePageStore s = RemotePageStore.open(config(proxy.url(), db).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.ERROR_503_BEFORE)));
            assertArrayEquals(page(PS, 2, 1), read(snap, 2));
            assertEquals(1, s.stats().retries());
        }
    }

    @Test
    void keepAliveConnectionsDroppedByTheServerSideCostOneRetry() throws Exception {
        String db = seeded("dropped", 64);
        RemoteConfig cfg = config(proxy.url(), db).maxRetries(1).retryBackoff(java.time.Duration.ofMillis(1)).build();
        try (RemotePageStore s = RemotePageStore.open(cfg)) {
            // several pooled connections, as concurrent stage uploads leave behind
            java.util.List<Thread> readers = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int first = 2 + t * 8;
                Thread th = new Thread(() -> {
                    try (Snapshot snap = s.beginRead()) {
                        for (int p = first; p < first + 8; p++) {
                            read(snap, p);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                readers.add(th);
                th.start();
            }
            for (Thread th : readers) {
                th.join();
            }
            proxy.dropConnections();
            try (Snapshot snap = s.beginRead()) { // one failure on a dead connection, then a fresh one
                assertArrayEquals(pages(PS, 1, 64, 1).get(50L), read(snap, 50));
            }
        }
    }

    @Test
    void aFailedBackgroundUploadMakesTheCommitSendEveryPage() throws Exception {
        String db = newDbName("stagefail");
        RemoteConfig cfg = config(proxy.url(), db).maxRetries(0).uploadDuringTransaction(true).build();
        long n = 3L * BackgroundStage.CHUNK_BYTES / PS;
        SortedMap<Long, byte[]> live = pages(PS, 1, n, 21);
        try (RemotePageStore s = RemotePageStore.open(cfg); Snapshot snap = s.beginRead()) {
            proxy.rule(Rule.next(Action.of(Fault.ERROR_503_BEFORE))); // the first stage upload is refused
            for (var e : live.entrySet()) {
                snap.pageWritten(e.getKey(), e.getValue());
            }
            assertEquals(1, snap.commit(new java.util.TreeMap<>(live), n, PS));
            assertEquals(1, proxy.appliedTotal());
        }
        try (RemotePageStore cold = open(server.url(), db); Snapshot snap = cold.beginRead()) {
            assertEquals(n, snap.pageCount());
            for (long p = 1; p <= n; p++) {
                assertArrayEquals(live.get(p), read(snap, p), "page " + p);
            }
        }
    }
}
