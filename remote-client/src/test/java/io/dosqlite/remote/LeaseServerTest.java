package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.dosqlite.remote.RemoteTests.config;
import static io.dosqlite.remote.RemoteTests.newDbName;
import static io.dosqlite.remote.RemoteTests.page;
import static io.dosqlite.remote.RemoteTests.pages;
import static io.dosqlite.remote.RemoteTests.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Read leases against a real workerd: warm reads cost nothing, pushed commits keep the cache warm, fallback. */
class LeaseServerTest {
    static final int PS = 1024;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", "3000");

    private static RemotePageStore leased(String url, String db) throws Exception {
        return RemotePageStore.open(config(url, db).leases(true).build());
    }

    private static void commit(RemotePageStore s, SortedMap<Long, byte[]> pages, long count) throws Exception {
        try (Snapshot snap = s.beginRead()) {
            snap.commit(pages, count, PS);
        }
    }

    @Test
    void warmReadsAndReadsAfterAnotherClientsSmallCommitNeedNoRequest() throws Exception {
        String db = newDbName("lease");
        try (RemotePageStore a = leased(server.url(), db); RemotePageStore b = leased(server.url(), db)) {
            commit(a, pages(PS, 1, 4, 1), 4);
            for (long p = 1; p <= 4; p++) {
                try (Snapshot s = a.beginRead()) {
                    read(s, p);
                }
            }
            RemoteTests.awaitLease(a);
            ClientStats before = a.stats().snapshot();
            for (int i = 0; i < 20; i++) {
                try (Snapshot s = a.beginRead()) {
                    assertArrayEquals(page(PS, 3, 1), read(s, 3));
                }
            }
            assertEquals(0, a.stats().minus(before).requests(), "warm reads on a lease: " + a.stats().minus(before));
            // b commits page 3: acknowledged only once a applied it, with the new page pushed
            commit(b, new TreeMap<>(java.util.Map.of(3L, page(PS, 3, 2))), 4);
            before = a.stats().snapshot();
            try (Snapshot s = a.beginRead()) {
                assertArrayEquals(page(PS, 3, 2), read(s, 3), "a read after an acknowledged commit must see it");
                assertArrayEquals(page(PS, 4, 1), read(s, 4));
            }
            assertEquals(0, a.stats().minus(before).requests(), "pushed pages: " + a.stats().minus(before));
            assertTrue(a.stats().invalidations() >= 1);
        }
    }

    @Test
    void aTransactionInProgressKeepsItsSnapshot() throws Exception {
        String db = newDbName("lease");
        try (RemotePageStore a = leased(server.url(), db); RemotePageStore b = leased(server.url(), db)) {
            commit(a, pages(PS, 1, 2, 1), 2);
            try (Snapshot s = a.beginRead()) {
                read(s, 1);
            }
            RemoteTests.awaitLease(a);
            try (Snapshot s = a.beginRead()) {
                commit(b, new TreeMap<>(java.util.Map.of(1L, page(PS, 1, 5), 2L, page(PS, 2, 5))), 2);
                assertArrayEquals(page(PS, 1, 1), read(s, 1));
                assertArrayEquals(page(PS, 2, 1), read(s, 2));
            }
            try (Snapshot s = a.beginRead()) {
                assertArrayEquals(page(PS, 2, 5), read(s, 2));
            }
        }
    }

    @Test
    void aRefusedWebSocketFallsBackToOneVersionCheckPerTransactionWithOneInfoLine() throws Exception {
        String db = newDbName("lease");
        List<LogRecord> infos = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.INFO.intValue()) {
                    synchronized (infos) {
                        infos.add(r);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("io.dosqlite.remote");
        log.addHandler(h);
        try (FaultProxy proxy = new FaultProxy(server.port(), 1).keepAlive()) {
            proxy.rule(r -> r.path().endsWith("/leases") ? Action.of(Fault.ERROR_503_BEFORE) : Action.PASS);
            try (RemotePageStore a = leased(proxy.url(""), db); RemotePageStore b = RemoteTests.open(server.url(), db)) {
                commit(a, pages(PS, 1, 2, 1), 2);
                for (int i = 0; i < 5; i++) {
                    try (Snapshot s = a.beginRead()) {
                        assertArrayEquals(page(PS, 1, 1 + i), read(s, 1), "the newest commit, as without leases");
                    }
                    ClientStats before = a.stats().snapshot();
                    try (Snapshot s = a.beginRead()) {
                        assertArrayEquals(page(PS, 1, 1 + i), read(s, 1));
                    }
                    assertEquals(1, a.stats().minus(before).requests(), "one version check per warm transaction");
                    commit(b, new TreeMap<>(java.util.Map.of(1L, page(PS, 1, 2 + i))), 2);
                }
            }
        } finally {
            log.removeHandler(h);
        }
        synchronized (infos) {
            assertEquals(1, infos.size(), "one INFO line for the fallback: " + infos.stream().map(LogRecord::getMessage).toList());
        }
    }
}
