package io.dosqlite.remote;

import static io.dosqlite.remote.RemoteTests.config;
import static io.dosqlite.remote.RemoteTests.newDbName;
import static io.dosqlite.remote.RemoteTests.page;
import static io.dosqlite.remote.RemoteTests.pages;
import static io.dosqlite.remote.RemoteTests.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.WebSocketFaultProxy;
import io.dosqlite.vfs.Snapshot;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases and the traffic a client sends anyway, against a real workerd: renewals ride on HTTP
 * answers, pushes carry only pages the holder has; and the session mode (commits that do not wait
 * for other holders, yet read their own writes and never go back).
 */
class LeaseTrafficTest {
    static final int PS = 1024;
    static final long LEASE_MS = 20_000;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", Long.toString(LEASE_MS));

    private static RemotePageStore leased(String url, String db, boolean session) throws Exception {
        return RemotePageStore.open(config(url, db).leases(true).sessionConsistency(session).build());
    }

    private static void commit(RemotePageStore s, SortedMap<Long, byte[]> pages, long count) throws Exception {
        try (Snapshot snap = s.beginRead()) {
            snap.commit(pages, count, PS);
        }
    }

    /**
     * A busy holder keeps its lease past the lease's length, renewing it about twice per lease: a
     * read's answer renews it only once less than half is left (a renewal is a row write on the
     * server), and the client renews it itself past half. Not once per request.
     */
    @Test
    void aBusyHolderRenewsItsLeaseAboutTwicePerLease() throws Exception {
        long leaseMs = 2_000;
        try (TestPageServer shortLeases = TestPageServer.start("--lease-ms", Long.toString(leaseMs))) {
            String db = newDbName("renew");
            try (RemotePageStore w = leased(shortLeases.url(), db, false)) {
                commit(w, pages(PS, 1, 300, 1), 300);
            }
            try (RemotePageStore a = leased(shortLeases.url(), db, false)) {
                RemoteTests.awaitLease(a);
                ClientStats before = a.stats().snapshot();
                long leased = System.nanoTime();
                long runNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs * 2);
                long page = 1;
                // one uncached page every 10 ms: each a request naming the lease's socket
                while (System.nanoTime() - leased < runNanos && page < 300) {
                    try (Snapshot s = a.beginRead()) {
                        read(s, page++);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                ClientStats d = a.stats().minus(before);
                long renewals = d.leaseRenewalsByTraffic() + d.leaseRequests();
                long leases = (System.nanoTime() - leased) / TimeUnit.MILLISECONDS.toNanos(leaseMs) + 1;
                assertTrue(d.requests() >= 20, "too few requests to tell: " + d);
                assertTrue(renewals >= 2, "the lease was not renewed: " + d);
                assertTrue(renewals <= 3 * leases + 2, renewals + " renewals in " + leases + " lease lengths: " + d);
                assertTrue(a.leaseTrusted(), "the lease is still trusted after twice its length: " + d);
            }
        }
    }

    @Test
    void pushesCarryOnlyPagesTheHolderHas() throws Exception {
        String db = newDbName("ride");
        try (RemotePageStore w = leased(server.url(), db, false)) {
            commit(w, pages(PS, 1, 4, 1), 4);
        }
        try (RemotePageStore a = leased(server.url(), db, false); RemotePageStore b = leased(server.url(), db, false)) {
            RemoteTests.awaitLease(a);
            try (Snapshot s = a.beginRead()) {
                read(s, 1);
                read(s, 2);
            }
            // b changes pages 2 and 4: a has page 2 (pushed to it) but never had page 4 (not pushed)
            commit(b, new TreeMap<>(Map.of(2L, page(PS, 2, 2), 4L, page(PS, 4, 2))), 4);
            ClientStats before = a.stats().snapshot();
            try (Snapshot s = a.beginRead()) {
                assertArrayEquals(page(PS, 2, 2), read(s, 2));
            }
            assertEquals(0, a.stats().minus(before).requests(), "page 2 was pushed: " + a.stats().minus(before));
            try (Snapshot s = a.beginRead()) {
                assertArrayEquals(page(PS, 4, 2), read(s, 4));
            }
            assertEquals(1, a.stats().minus(before).requests(), "page 4 was not pushed, a fetches it: " + a.stats().minus(before));
        }
    }

    @Test
    void sessionModeCommitsDoNotWaitForAHolderThatNeverAcknowledgesAndReadTheirOwnWrites() throws Exception {
        String db = newDbName("session");
        try (WebSocketFaultProxy lossy = new WebSocketFaultProxy("127.0.0.1", server.port(), 1);
             RemotePageStore w = leased(server.url(), db, true)) {
            commit(w, pages(PS, 1, 2, 1), 2);
            // a holder whose every invalidation is lost: a linearizable commit would wait out its lease
            lossy.faults(1.0, 0, 0, 0);
            try (RemotePageStore h = leased(lossy.url(), db, false)) {
                RemoteTests.awaitLease(h);
                try (Snapshot s = h.beginRead()) {
                    assertArrayEquals(page(PS, 1, 1), read(s, 1));
                }
                long seen = 0;
                for (int i = 2; i <= 6; i++) {
                    long t0 = System.nanoTime();
                    commit(w, new TreeMap<>(Map.of(1L, page(PS, 1, i))), 2);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(ms < LEASE_MS / 2, "a session-mode commit waited " + ms + " ms for another holder");
                    try (Snapshot s = w.beginRead()) {
                        assertTrue(s.version() > seen, "the writer's versions never go back");
                        seen = s.version();
                        assertArrayEquals(page(PS, 1, i), read(s, 1), "the writer reads its own write");
                    }
                }
                assertTrue(lossy.counters()[1] >= 1, "the holder lost its invalidations: " + lossy.counters()[1]);
            }
        }
    }
}
