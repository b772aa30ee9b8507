package io.dosqlite.vfs;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SQLite's lock-less reads (header and size at open) use {@link PageStore#beginUnlockedRead(Session)}. */
class UnlockedReadTest extends VfsTestSupport {

    /** Counts both kinds of snapshot, served by an in-memory store. */
    static final class CountingStore implements PageStore {
        final InMemoryPageStore inner = new InMemoryPageStore();
        final AtomicInteger locked = new AtomicInteger();
        final AtomicInteger unlocked = new AtomicInteger();

        @Override
        public Snapshot beginRead(Session session) throws PageStoreException {
            locked.incrementAndGet();
            return inner.beginRead();
        }

        @Override
        public Snapshot beginUnlockedRead(Session session) throws PageStoreException {
            unlocked.incrementAndGet();
            return inner.beginRead();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void openingAConnectionTakesNoLockedSnapshot() throws Exception {
        CountingStore store = new CountingStore();
        DosqliteVfs vfs = DosqliteVfs.register(uniqueName("unlocked"), store);
        try {
            try (Connection c = open(vfs)) {
                exec(c, "create table t(k integer primary key, v text)", "insert into t values (1, 'a')");
            }
            int locked = store.locked.get();
            int unlocked = store.unlocked.get();
            try (Connection c = open(vfs)) {
                assertEquals(locked, store.locked.get(), "opening a connection starts no transaction snapshot");
                assertTrue(store.unlocked.get() > unlocked, "the header read at open is a lock-less read");
                assertEquals("a", queryString(c, "select v from t where k = 1"));
                assertTrue(store.locked.get() > locked, "a query reads in a locked snapshot");
            }
            assertEquals(0, store.inner.openSnapshots.get(), "snapshots left open");
        } finally {
            vfs.close();
        }
    }
}
