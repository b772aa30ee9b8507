package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

import java.util.Locale;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The main database file of one SQLite connection, served by the VFS's {@link PageStore}.
 *
 * <p>Reads come from the {@link Snapshot} pinned at NONE→SHARED (closed at →NONE), overlaid by
 * this connection's write buffer. Writes are buffered (page number → image) and published with
 * one {@link Snapshot#commit} when SQLite sends {@code SQLITE_FCNTL_COMMIT_PHASETWO} — sent only
 * for a transaction that commits, after the rollback journal is finalised and while EXCLUSIVE is
 * still held. A buffer still present when the lock drops to SHARED/NONE belongs to a transaction
 * that rolled back (e.g. journal play-back after a cache spill) and is discarded unsent.
 */
final class MainDbFile extends OpenFile {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.vfs");

    private final DosqliteVfs vfs;
    /** The id {@link DosqliteVfs#open} gave this connection's session; null if it came without one. */
    private final String sessionId;
    private final PageStore store;
    private final LockTable locks;
    private final int[] lockOut = new int[1];

    private int level = LOCK_NONE;
    private Snapshot snap;
    /** Lineage of the last snapshot this connection read (see {@link Snapshot#lineage()}). */
    private String lineage;
    /** SQLite's page cache may hold pages of another life of the database: make it drop them. */
    private boolean foreignCache;

    private final PageMap dirty = new PageMap();
    /** Page size of the buffered image; 0 = nothing buffered (use the snapshot's). */
    private int pageSize;
    /** Logical file size in bytes once written/truncated in this transaction; -1 = the snapshot's. */
    private long size = -1;
    private byte[] pageBuf = new byte[4096];
    private final byte[] hdr = new byte[2];

    MainDbFile(DosqliteVfs vfs, PageStore store, LockTable locks, Session session, String sessionId) {
        super(session);
        this.sessionId = sessionId;
        this.vfs = vfs;
        this.store = store;
        this.locks = locks;
    }

    // ------------------------------------------------------------------ sizes

    private long baseSize() {
        return snap.pageCount() * snap.pageSize();
    }

    private long curSize() {
        return size >= 0 ? size : baseSize();
    }

    private int curPageSize() {
        return pageSize > 0 ? pageSize : snap.pageSize();
    }

    private byte[] pageBuf(int n) {
        if (pageBuf.length < n) {
            pageBuf = new byte[n];
        }
        return pageBuf;
    }

    /** Runs with a snapshot: the pinned one, or (no lock held, e.g. header read at open) a transient one. */
    private boolean ensureSnapshot() throws PageStoreException {
        if (snap != null) {
            return false;
        }
        snap = store.beginUnlockedRead(session);
        return true;
    }

    private void dropTransient(boolean transientSnap) {
        if (transientSnap) {
            Snapshot s = snap;
            snap = null;
            s.close();
        }
    }

    // ------------------------------------------------------------------ read

    @Override
    int read(long buf, int amt, long off) throws Exception {
        boolean t = ensureSnapshot();
        try {
            long fsize = curSize();
            int p = curPageSize();
            if (p > 0 && amt == p && off % p == 0 && off + amt <= fsize) {
                long pg = off / p + 1;
                byte[] d = dirty.get(pg);
                if (d != null) {
                    at(buf).write(0, d, 0, p);
                    return OK;
                }
                if (p == snap.pageSize() && pg <= snap.pageCount() && pg != PENDING_BYTE / p + 1) {
                    byte[] b = pageBuf(p);
                    snap.readPage(pg, b, 0);
                    session.readSet().note(pg);
                    at(buf).write(0, b, 0, p);
                    return OK;
                }
            }
            int avail = (int) Math.max(0, Math.min(amt, fsize - off));
            byte[] out = ioBuf(amt);
            if (avail > 0) {
                readImage(off, out, 0, avail);
                if (off == 24 && amt == 16 && !t) {
                    session.readSet().header(java.util.Arrays.copyOf(out, 16)); // SQLite checks its cache
                }
                if (foreignCache && off == 24 && amt == 16) {
                    // SQLite compares these 16 header bytes with what it cached; a mismatch makes
                    // it reset its page cache and re-read page 1, whose real bytes it then keeps.
                    foreignCache = false;
                    session.readSet().dropped();
                    for (int i = 0; i < 4; i++) {
                        out[i] = (byte) ~out[i];
                    }
                }
                at(buf).write(0, out, 0, avail);
            }
            if (avail < amt) {
                at(buf).setMemory(avail, amt - avail, (byte) 0);
                return IOERR_SHORT_READ;
            }
            return OK;
        } finally {
            dropTransient(t);
        }
    }

    /** Current image (buffer over snapshot) bytes [off, off+len), all within curSize(). */
    private void readImage(long off, byte[] dst, int dstOff, int len) throws PageStoreException {
        int p = curPageSize();
        if (dirty.isEmpty() || p == 0) {
            readBase(off, dst, dstOff, len, curSize());
            return;
        }
        while (len > 0) {
            long pg = off / p + 1;
            int in = (int) (off % p);
            int n = Math.min(len, p - in);
            byte[] d = dirty.get(pg);
            if (d != null) {
                System.arraycopy(d, in, dst, dstOff, n);
            } else {
                readBase(off, dst, dstOff, n, curSize());
            }
            off += n;
            dstOff += n;
            len -= n;
        }
    }

    /** Committed snapshot bytes [off, off+len); zeros past the snapshot, past limit and in the lock-byte page. */
    private void readBase(long off, byte[] dst, int dstOff, int len, long limit) throws PageStoreException {
        int sp = snap.pageSize();
        long end = sp == 0 ? 0 : Math.min(baseSize(), limit);
        while (len > 0) {
            if (off >= end) {
                java.util.Arrays.fill(dst, dstOff, dstOff + len, (byte) 0);
                return;
            }
            long pg = off / sp + 1;
            int in = (int) (off % sp);
            int n = (int) Math.min(Math.min(len, sp - in), end - off);
            if (pg == PENDING_BYTE / sp + 1) {
                java.util.Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
            } else if (in == 0 && n == sp) {
                snap.readPage(pg, dst, dstOff);
                session.readSet().note(pg);
            } else {
                byte[] b = pageBuf(sp); // never the caller's dst (dst is io[] or a fresh page)
                snap.readPage(pg, b, 0);
                session.readSet().note(pg);
                System.arraycopy(b, in, dst, dstOff, n);
            }
            off += n;
            dstOff += n;
            len -= n;
        }
    }

    // ------------------------------------------------------------------ write

    @Override
    int write(long buf, int amt, long off) throws Exception {
        if (snap == null) {
            throw new IllegalStateException("dosqlite: write to the main database without a lock");
        }
        if (level < LOCK_RESERVED) {
            throw new IllegalStateException("dosqlite: write to the main database below RESERVED lock");
        }
        int p = curPageSize();
        if (off == 0 && amt >= 18) {
            at(buf).read(16, hdr, 0, 2);
            int hp = ((hdr[0] & 0xff) << 8) | (hdr[1] & 0xff);
            if (hp == 1) {
                hp = 65536;
            }
            if (hp >= 512 && hp <= 65536 && Integer.bitCount(hp) == 1 && hp != p) {
                changePageSize(p, hp);
                p = hp;
            }
        }
        if (p == 0) {
            p = (amt >= 512 && amt <= 65536 && Integer.bitCount(amt) == 1) ? amt : 4096;
        }
        if (size < 0) {
            size = baseSize();
        }
        long limit = size;
        pageSize = p;
        if (amt == p && off % p == 0) {
            long pg = off / p + 1;
            byte[] d = dirty.get(pg);
            if (d == null) {
                d = new byte[p];
                dirty.put(pg, d);
            }
            at(buf).read(0, d, 0, p);
            snap.pageWritten(pg, d);
        } else {
            byte[] b = ioBuf(amt);
            at(buf).read(0, b, 0, amt);
            writeImage(off, b, 0, amt, limit);
        }
        size = Math.max(size, off + amt);
        return OK;
    }

    private void writeImage(long off, byte[] src, int srcOff, int len, long limit) throws PageStoreException {
        int p = pageSize;
        while (len > 0) {
            long pg = off / p + 1;
            int in = (int) (off % p);
            int n = Math.min(len, p - in);
            byte[] d = dirty.get(pg);
            if (d == null) {
                d = new byte[p];
                if (n != p) {
                    readBase((pg - 1) * p, d, 0, p, limit);
                }
                dirty.put(pg, d);
            }
            System.arraycopy(src, srcOff, d, in, n);
            snap.pageWritten(pg, d);
            off += n;
            srcOff += n;
            len -= n;
        }
    }

    /** VACUUM / backup to a new page size: re-cut the buffered bytes into pages of the new size. */
    private void changePageSize(int oldP, int newP) throws PageStoreException {
        LOG.fine(() -> "dosqlite: page size " + oldP + " -> " + newP);
        if (dirty.isEmpty() || oldP == 0) {
            pageSize = newP;
            return;
        }
        TreeMap<Long, byte[]> old = dirty.sorted(Long.MAX_VALUE);
        long limit = curSize();
        dirty.clear();
        pageSize = newP;
        for (java.util.Map.Entry<Long, byte[]> e : old.entrySet()) {
            writeImage((e.getKey() - 1) * oldP, e.getValue(), 0, oldP, limit);
        }
    }

    @Override
    int truncate(long newSize) throws Exception {
        if (snap == null || level < LOCK_RESERVED) {
            throw new IllegalStateException("dosqlite: truncate of the main database without a write lock");
        }
        int p = curPageSize();
        if (size < 0) {
            size = baseSize();
        }
        if (p > 0) {
            pageSize = p;
            dirty.truncateAbove((newSize + p - 1) / p);
        }
        size = newSize;
        return OK;
    }

    @Override
    long size() throws Exception {
        boolean t = ensureSnapshot();
        try {
            return curSize();
        } finally {
            dropTransient(t);
        }
    }

    // ------------------------------------------------------------------ commit

    /** Drops the write buffer of a transaction that did not commit (rolled back, or its commit failed). */
    private void discard() {
        if (!dirty.isEmpty() || size >= 0) {
            LOG.fine("dosqlite: write buffer discarded (transaction rolled back)");
        }
        clearBuffer();
    }

    private void clearBuffer() {
        dirty.clear();
        size = -1;
        pageSize = 0;
    }

    private int commit() {
        try {
            if (snap == null) {
                throw new IllegalStateException("dosqlite: commit without a snapshot");
            }
            if (dirty.isEmpty() && (size < 0 || size == baseSize())) {
                clearBuffer(); // nothing to commit
                return OK;
            }
            int p = curPageSize();
            if (p == 0) {
                clearBuffer();
                return OK;
            }
            long fsize = curSize();
            long count = (fsize + p - 1) / p;
            TreeMap<Long, byte[]> pages = dirty.sorted(count);
            if (p != snap.pageSize() && snap.pageCount() > 0) {
                // Page size changed (VACUUM): the store needs every page in the new size.
                long lockPage = PENDING_BYTE / p + 1;
                for (long pg = 1; pg <= count; pg++) {
                    if (pg != lockPage && !pages.containsKey(pg)) {
                        byte[] d = new byte[p];
                        readImage((pg - 1) * p, d, 0, (int) Math.min(p, fsize - (pg - 1) * p));
                        pages.put(pg, d);
                    }
                }
            }
            long base = snap.version();
            long v = snap.commit(pages, count, p);
            session.readSet().committed(pages.get(1L), pages.keySet());
            vfs.commits.incrementAndGet();
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine(String.format(Locale.ROOT, "dosqlite: committed %d pages (count %d, size %d) v%d -> v%d",
                        pages.size(), count, p, base, v));
            }
            clearBuffer();
            return OK;
        } catch (Throwable t) {
            discard();
            session.recordError(t);
            LOG.log(Level.FINE, "dosqlite: commit failed", t);
            return IOERR_FSYNC;
        }
    }

    // ------------------------------------------------------------------ locks

    @Override
    int lock(int want) throws Exception {
        int before = level;
        int rc = locks.lock(this, before, want, lockOut);
        int after = lockOut[0];
        if (before == LOCK_NONE && after >= LOCK_SHARED) {
            discard();
            try {
                snap = store.beginRead(session);
                String l = snap.lineage();
                foreignCache |= lineage != null && !lineage.equals(l);
                lineage = l;
            } catch (Throwable t) {
                locks.unlock(this, after, LOCK_NONE);
                level = LOCK_NONE;
                session.recordError(t);
                return IOERR_LOCK;
            }
        }
        level = after;
        return rc;
    }

    @Override
    int unlock(int want) {
        if (want <= LOCK_SHARED) {
            discard();
        }
        locks.unlock(this, level, want);
        if (want < level) {
            level = want;
        }
        if (want == LOCK_NONE && snap != null) {
            Snapshot s = snap;
            snap = null;
            s.close();
        }
        return OK;
    }

    @Override
    int checkReservedLock(long pResOut) {
        at(pResOut).setInt(0, locks.reservedHeld() ? 1 : 0);
        return OK;
    }

    // ------------------------------------------------------------------ file control

    @Override
    int fileControl(int op, long pArg) {
        if (op == FCNTL_COMMIT_PHASETWO) {
            return commit();
        }
        if (op == FCNTL_PRAGMA) {
            return pragma(pArg);
        }
        return NOTFOUND;
    }

    private int pragma(long pArg) {
        com.sun.jna.Pointer az = new com.sun.jna.Pointer(pArg);
        String name = Callbacks.cString(az.getLong(8));
        String value = Callbacks.cString(az.getLong(16));
        if (name == null || value == null) {
            return NOTFOUND;
        }
        String msg = DosqliteVfs.refusedPragma(name, value);
        if (msg == null) {
            return NOTFOUND;
        }
        az.setLong(0, NativeExt.mprintf(msg));
        return ERROR;
    }

    @Override
    int close() {
        discard();
        if (snap != null) {
            Snapshot s = snap;
            snap = null;
            s.close();
        }
        locks.unlock(this, level, LOCK_NONE);
        level = LOCK_NONE;
        vfs.mainClosed(sessionId);
        return OK;
    }
}
