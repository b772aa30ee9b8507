package io.dosqlite.vfs;

/**
 * One SQLite connection as its page store sees it. Whoever opens the connection creates it
 * ({@link PageStore#newSession()}) and hands it to the VFS with the file
 * ({@link DosqliteVfs#open(Session, java.util.Properties)}); the VFS passes it to every
 * {@link PageStore#beginRead(Session)} of that connection, and keeps in it the cause of the
 * connection's last failed file operation.
 *
 * <p>Why an object and not a thread-local: a connection may be used by one thread after another
 * (pools, async frameworks), and the store needs to know things about the connection, not the
 * thread — how its next transaction may start, later its leases and commit chain. A VFS callback
 * cannot throw into SQLite, so it returns an SQLite code and the JDBC layer reads the real cause
 * here after sqlite-jdbc reports the code.
 *
 * <p>Stores subclass it to carry their per-connection state.
 */
public class Session {
    private volatile Throwable lastError;
    private final ReadSet reads = new ReadSet();

    /** The pages this connection's SQLite may hold in its page cache (for page-level conflict checks). */
    public final ReadSet readSet() {
        return reads;
    }

    /**
     * The cause behind this connection's last failed file operation (a {@link PageStoreException}
     * for a store failure), cleared on read; null if none. A cause is not cleared by later
     * successful operations, so take it before running a statement too, to drop one left over from
     * an earlier failure that was already handled.
     */
    public final Throwable takeError() {
        Throwable t = lastError;
        if (t != null) {
            lastError = null;
        }
        return t;
    }

    /** Looks at the last error without clearing it. */
    public final Throwable peekError() {
        return lastError;
    }

    /** Records why a file operation of this connection failed. */
    public final void recordError(Throwable t) {
        lastError = t;
    }
}
