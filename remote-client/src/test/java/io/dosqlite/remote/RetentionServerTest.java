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

/** A page server that keeps only the newest version: an old snapshot gets a clear, retryable error. */
class RetentionServerTest {

    static final int PS = 1024;
    static final int PAGES = 12;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--retain-versions", "1", "--retain-ms", "0");

    @Test
    void snapshotOlderThanRetentionIsExpiredAndRetryable() throws Exception {
        String db = newDbName("expire");
        try (RemotePageStore w = open(server.url(), db);
             RemotePageStore r = RemotePageStore.open(config(server.url(), db).prefetchInterior(false).build())) {
            try (Snapshot s = w.beginRead()) {
                s.commit(pages(PS, 1, 4, 1), 4, PS);
            }
            Snapshot old = r.beginRead();
            try (Snapshot s = w.beginRead()) {
                s.commit(pages(PS, 1, 4, 2), 4, PS);
            }
            PageStoreException e = assertThrows(PageStoreException.class, () -> read(old, 2));
            assertEquals(Kind.SNAPSHOT_EXPIRED, e.kind(), e.getMessage());
            assertEquals("40001", e.kind().sqlState());
            assertTrue(e.getMessage().contains("retry the transaction"), e.getMessage());
            old.close();
            try (Snapshot s = r.beginRead()) {
                assertArrayEquals(page(PS, 2, 2), read(s, 2));
            }
        }
    }

}
