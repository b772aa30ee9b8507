package io.dosqlite.vfs;

import java.util.SortedMap;

/**
 * One pinned database version, held from SQLite's SHARED lock to its release. Used by one SQLite
 * connection at a time (never concurrently), but several snapshots of one store may be open at once.
 */
public interface Snapshot extends AutoCloseable {

    /** The committed version this snapshot reads. */
    long version();

    /** Page size in bytes (512..65536, a power of two), or 0 if the database has no pages yet. */
    int pageSize();

    /**
     * Identifies the database's life: it changes when the content was replaced by something other
     * than SQLite commits through this SPI (the database was deleted and created again). SQLite
     * trusts its own page cache while the change counter in page 1 is unchanged; when the lineage
     * changes, the VFS makes it drop that cache, since a new life may reach the same counter.
     */
    default String lineage() {
        return "";
    }

    /** Number of pages in this version; the main file's size is {@code pageCount() * pageSize()}. */
    long pageCount();

    /**
     * Copies page {@code pageNo} (1-based, {@code <= pageCount()}) of this version into
     * {@code dst[offset .. offset + pageSize())}. A page that fails its checksum is never returned:
     * that is a {@link PageStoreException.Kind#CORRUPT} error.
     */
    void readPage(long pageNo, byte[] dst, int offset) throws PageStoreException;

    /**
     * Publishes one SQLite transaction on top of this snapshot's version, all or nothing
     * (invariant 1). {@code pages} maps 1-based page numbers to full page images of
     * {@code pageSize} bytes; pages past {@code newPageCount} are dropped (truncation).
     * Fails with {@link PageStoreException.Kind#CONFLICT} if another commit landed after this
     * snapshot's version (invariant 2). On success this snapshot moves to the new version, so the
     * connection keeps reading what it just wrote.
     *
     * @return the new version
     */
    long commit(SortedMap<Long, byte[]> pages, long newPageCount, int pageSize) throws PageStoreException;

    /**
     * Says that page {@code pageNo} of the write transaction on this snapshot now holds
     * {@code image}, before {@link #commit} is called with it (SQLite spilled it, or is writing it
     * out for COMMIT). A store may start uploading large transactions early. {@code image} is the
     * VFS's own buffer for that page: it may be read on this thread until the transaction ends and
     * changes with later writes; it is never reused for another page. Whatever was seen here,
     * {@link #commit}'s arguments are the truth. Never throws; the default does nothing.
     */
    default void pageWritten(long pageNo, byte[] image) {
    }

    /** Ends the read transaction; the store may now forget this version. Never throws. */
    @Override
    void close();
}
