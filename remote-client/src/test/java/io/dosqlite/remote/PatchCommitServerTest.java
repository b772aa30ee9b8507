package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.SortedMap;
import java.util.TreeMap;

import static io.dosqlite.remote.RemoteTests.*;
import static org.junit.jupiter.api.Assertions.*;

/** Commits that send only the changed bytes of pages the base version holds (frames=patch). */
class PatchCommitServerTest {

    static final int PS = 4096;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    @Test
    void aSmallChangeToCachedPagesSendsOnlyTheChangedBytes() throws Exception {
        String db = newDbName("patch");
        try (RemotePageStore s = open(server.url(), db)) {
            SortedMap<Long, byte[]> v1 = pages(PS, 1, 10, 1);
            try (Snapshot snap = s.beginRead()) {
                snap.commit(v1, 10, PS); // the committed images are cached at version 1
            }
            SortedMap<Long, byte[]> v2 = new TreeMap<>();
            for (long p : new long[] {1, 4, 9}) {
                byte[] b = v1.get(p).clone();
                b[24]++;
                b[3000] ^= 0x7F;
                v2.put(p, b);
            }
            v2.put(11L, page(PS, 11, 2)); // a new page has no base image: it goes whole
            ClientStats before = s.stats().snapshot();
            try (Snapshot snap = s.beginRead()) {
                assertEquals(2, snap.commit(v2, 11, PS));
            }
            ClientStats d = s.stats().minus(before);
            assertTrue(d.bytesUp() < PS + 200, "3 patched pages + 1 whole page: " + d);
            try (RemotePageStore cold = open(server.url(), db); Snapshot snap = cold.beginRead()) {
                for (long p = 1; p <= 11; p++) {
                    byte[] want = v2.containsKey(p) ? v2.get(p) : v1.get(p);
                    assertArrayEquals(want, read(snap, p), "page " + p);
                }
            }
        }
    }

    @Test
    void aPatchAgainstAnImageTheServerDoesNotHoldFallsBackToWholePages() throws Exception {
        String db = newDbName("wrongbase");
        RemoteConfig cfg = config(server.url(), db).build();
        try (RemotePageStore s = RemotePageStore.open(cfg); Snapshot snap = s.beginRead()) {
            snap.commit(pages(PS, 1, 3, 1), 3, PS);
        }
        ClientStats stats = new ClientStats();
        PageApi api = new PageApi(cfg, SharedHttp.forStore(cfg), stats);
        SortedMap<Long, byte[]> next = pages(PS, 2, 2, 9);
        byte[] wrongBase = page(PS, 2, 9).clone();
        wrongBase[100]++; // differs from what we send in one byte, and from what the server holds in most
        CommitResult r = CommitProtocol.commit(api, stats, 1, null, next, 3, PS, null, p -> wrongBase, CommitBasis.STRICT);
        assertEquals(2, r.version());
        assertEquals(2, stats.snapshot().requests(), "the refused patch commit, then whole pages");
        assertTrue(api.patchesAccepted(), "a checksum refusal does not turn the format off");
        try (RemotePageStore cold = RemotePageStore.open(cfg); Snapshot snap = cold.beginRead()) {
            assertArrayEquals(next.get(2L), read(snap, 2));
            assertArrayEquals(pages(PS, 1, 3, 1).get(3L), read(snap, 3));
        }
    }
}
