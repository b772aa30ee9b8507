package io.dosqlite.vfs;

/**
 * The cause behind the last failed VFS callback on this thread. A VFS callback cannot throw into
 * SQLite, so it returns an SQLite error code and keeps the exception here; the JDBC layer calls
 * {@link #takeLast()} after an {@link java.sql.SQLException} from sqlite-jdbc to find out what
 * really happened (e.g. a {@link PageStoreException} of kind CONFLICT → SQLState 40001).
 * A cause is not cleared by later successful callbacks, so call {@code takeLast()} before running
 * a statement too, to drop a cause left over from an earlier, already handled failure.
 */
public final class VfsErrors {
    private static final ThreadLocal<Throwable> LAST = new ThreadLocal<>();

    private VfsErrors() {}

    /** The PageStoreException (or other Throwable) behind the last failed VFS callback on this thread, cleared on read; null if none. */
    public static Throwable takeLast() {
        Throwable t = LAST.get();
        if (t != null) {
            LAST.remove();
        }
        return t;
    }

    /** Looks at the last error without clearing it (tests, diagnostics). */
    public static Throwable peekLast() {
        return LAST.get();
    }

    static void record(Throwable t) {
        LAST.set(t);
    }
}
