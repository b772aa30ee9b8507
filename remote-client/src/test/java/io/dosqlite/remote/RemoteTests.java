package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.PageStoreException;

import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers of the tests against a real page server ({@link TestPageServer}): database names, clients with its token, pages. */
final class RemoteTests {

    private static final AtomicInteger DB_SEQ = new AtomicInteger();

    private RemoteTests() {
    }

    static String newDbName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + DB_SEQ.incrementAndGet() + "-" + (System.nanoTime() % 100000);
    }

    static RemoteConfig.Builder config(String url, String db) {
        try {
            return RemoteConfig.builder(url, db).token(TestPageServer.TOKEN).createIfMissing(true)
                    .connectTimeout(java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            throw e;
        }
    }

    static RemotePageStore open(String url, String db) throws PageStoreException {
        return RemotePageStore.open(config(url, db).build());
    }

    /** A leaf-looking page (b-tree type byte 0x0D) filled from a seed. */
    static byte[] page(int size, long pageNo, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 131 + pageNo * 7 + i);
        }
        int typeAt = pageNo == 1 ? 100 : 0;
        b[typeAt] = 0x0D;
        return b;
    }

    static SortedMap<Long, byte[]> pages(int size, long from, long to, int seed) {
        SortedMap<Long, byte[]> m = new TreeMap<>();
        for (long p = from; p <= to; p++) {
            m.put(p, page(size, p, seed));
        }
        return m;
    }

    /** Waits (up to 30 s) until the store's push channel is open and its lease trusted. */
    static void awaitLease(RemotePageStore s) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!s.leaseTrusted()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no read lease within 30 s: " + s.stats());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** Waits (up to 30 s) until the store's lease records page {@code pageNo} as cached there (see LeasedPages). */
    static void awaitRecorded(RemotePageStore s, long pageNo) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!s.leaseTrusted() || !s.leaseRecords(pageNo)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("page " + pageNo + " not recorded within 30 s: " + s.stats());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    static byte[] read(io.dosqlite.vfs.Snapshot s, long pageNo) throws PageStoreException {
        byte[] b = new byte[s.pageSize()];
        s.readPage(pageNo, b, 0);
        return b;
    }
}
