package io.dosqlite.jdbc;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.RemotePageStore;
import io.dosqlite.vfs.DosqliteVfs;
import io.dosqlite.vfs.PageStoreException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One database of one page server, shared by every connection to it in this JVM: one HTTP client,
 * one page cache and one VFS registration, whose lock table is what keeps those connections apart
 * (invariant 7). Reference counted; the last connection to close releases it.
 */
final class Database {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");
    private static final Map<String, Database> OPEN = new HashMap<>();
    private static final AtomicLong VFS_IDS = new AtomicLong();

    private final String key;
    private final String url;
    private final RemotePageStore store;
    private final DosqliteVfs vfs;
    private int references;

    private Database(String key, String url, RemotePageStore store, DosqliteVfs vfs) {
        this.key = key;
        this.url = url;
        this.store = store;
        this.vfs = vfs;
    }

    /** The shared handle for these settings, opened (one request to the server) if none is open. */
    static Database acquire(ConnectionSettings settings) throws SQLException {
        synchronized (OPEN) {
            Database db = OPEN.get(settings.databaseKey());
            if (db == null) {
                db = open(settings);
                OPEN.put(db.key, db);
            }
            db.references++;
            return db;
        }
    }

    private static Database open(ConnectionSettings settings) throws SQLException {
        RemotePageStore store;
        try {
            RemoteConfig config = settings.remoteConfig();
            store = RemotePageStore.open(config);
        } catch (PageStoreException e) {
            throw SqlErrors.fromStore(e, 0);
        }
        try {
            DosqliteVfs vfs = DosqliteVfs.register("dosqlite-" + VFS_IDS.incrementAndGet(), store);
            String url = settings.serverUrl() + "/" + settings.database();
            LOG.fine(() -> "opened " + url + " as VFS " + vfs.name());
            return new Database(settings.databaseKey(), url, store, vfs);
        } catch (SQLException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Drops one reference; the last one unregisters the VFS, which closes the store. */
    void release() {
        synchronized (OPEN) {
            if (--references > 0) {
                return;
            }
            OPEN.remove(key);
        }
        LOG.fine(() -> "closing " + url + ": " + store.stats());
        vfs.close(); // closes the store too

    }

    RemotePageStore store() {
        return store;
    }

    DosqliteVfs vfs() {
        return vfs;
    }

    String url() {
        return url;
    }
}
