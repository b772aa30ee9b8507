package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/** Invariant 4 under load: threads sharing one store (one cache) while another store commits. */
class ConcurrentSnapshotServerTest {

    static final int PS = 1024;
    static final int PAGES = 12;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /**
     * Readers on several threads share one store (one cache) while another store commits
     * continuously: every page a snapshot reads must belong to that snapshot's version.
     */
    @Test
    void everySnapshotReadsOneVersionUnderConcurrentCommits() throws Exception {
        String db = newDbName("mvcc");
        try (RemotePageStore w = open(server.url(), db); Snapshot s = w.beginRead()) {
            java.util.SortedMap<Long, byte[]> m = new java.util.TreeMap<>();
            for (long p = 1; p <= PAGES; p++) {
                m.put(p, versionPage(p, 1));
            }
            s.commit(m, PAGES, PS);
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (RemotePageStore writer = open(server.url(), db); RemotePageStore shared = open(server.url(), db)) {
            Future<Integer> writes = pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    try (Snapshot s = writer.beginRead()) {
                        int seed = (int) s.version() + 1; // content of version v+1 is seed v+1
                        java.util.SortedMap<Long, byte[]> m = new java.util.TreeMap<>();
                        for (long p = 1 + (n % 3); p <= PAGES; p += 3) {
                            m.put(p, versionPage(p, seed));
                        }
                        // the other pages keep the seed they had: record it in page's first bytes
                        s.commit(m, PAGES, PS);
                        n++;
                    }
                }
                return n;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                readers.add(pool.submit(() -> {
                    int checked = 0;
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                    while (System.nanoTime() < end) {
                        try (Snapshot s = shared.beginRead()) {
                            long v = s.version();
                            for (long p = PAGES; p >= 1; p--) {
                                byte[] b = read(s, p);
                                int writtenAt = b[8] & 0xFF | (b[9] & 0xFF) << 8;
                                assertTrue(writtenAt <= v, "page " + p + " written at " + writtenAt + " seen by snapshot " + v);
                                // and no later write of this page is <= v: the page's writer cycle is every 3 versions
                                assertTrue(v - writtenAt < 3 || writtenAt == 1, "stale page " + p + " (" + writtenAt + ") at " + v);
                                checked++;
                            }
                        } catch (PageStoreException e) {
                            if (e.kind() != Kind.SNAPSHOT_EXPIRED) {
                                throw e;
                            }
                        }
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : readers) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            stop.set(true);
            int commits = writes.get(30, TimeUnit.SECONDS);
            assertTrue(commits > 5, "commits: " + commits);
            assertTrue(total > 100, "pages checked: " + total);
            System.out.println("mvcc: " + commits + " commits, " + total + " page reads checked; reader store " + shared.stats());
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    /** A page that records the version that wrote it in bytes 8..9. */
    static byte[] versionPage(long pageNo, int version) {
        byte[] b = page(PS, pageNo, version);
        b[8] = (byte) version;
        b[9] = (byte) (version >>> 8);
        return b;
    }
}
