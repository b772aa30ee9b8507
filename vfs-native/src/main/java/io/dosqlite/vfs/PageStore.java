package io.dosqlite.vfs;

/**
 * Where one database's pages live. This is the whole contract between the SQLite VFS and a storage
 * backend: open a read snapshot, read pages from it, and publish a transaction's dirty pages
 * atomically on top of it.
 *
 * <p>One instance per database per JVM, shared by every connection to that database, so it must be
 * thread-safe. The VFS calls {@link #beginRead(Session)} when SQLite takes its SHARED lock (start of
 * every read or write transaction) and {@link Snapshot#close()} when SQLite drops back to no lock.
 * Each SQLite connection has its own {@link Session}, made by {@link #newSession()}.
 */
public interface PageStore extends AutoCloseable {

    /**
     * Pins the newest committed version of the database for a new SQLite transaction. Everything
     * read through the returned snapshot comes from that one version (invariant 4), and the version
     * must be at least as new as every commit acknowledged before this call began (invariant 5).
     */
    Snapshot beginRead(Session session) throws PageStoreException;

    /** A read outside any connection (tools, tests): {@link #beginRead(Session)} with a new session. */
    default Snapshot beginRead() throws PageStoreException {
        return beginRead(newSession());
    }

    /**
     * A snapshot for a read SQLite makes without holding a lock: the file header and size when it
     * opens the database. SQLite reads and validates all of it again under its SHARED lock before
     * using it (that transaction gets {@link #beginRead(Session)}), so a store may answer from the
     * newest version it already knows instead of asking a server. Default: {@link #beginRead(Session)}.
     */
    default Snapshot beginUnlockedRead(Session session) throws PageStoreException {
        return beginRead(session);
    }

    /** A session for one new SQLite connection; stores that keep per-connection state return their own subclass. */
    default Session newSession() {
        return new Session();
    }

    /** Releases the store; called once, when the VFS that owns it is unregistered. */
    @Override
    void close();
}
