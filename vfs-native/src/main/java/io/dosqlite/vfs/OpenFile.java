package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

import com.sun.jna.Pointer;

/** One file SQLite opened through a dosqlite VFS. Used by one SQLite connection at a time. */
abstract class OpenFile {
    /** The connection that opened this file; null for an anonymous temp file. */
    final Session session;
    /** Reusable view onto native buffers SQLite passes in (re-pointed per call, never allocated per call). */
    final Pointer mem = new Pointer(0);
    byte[] io = new byte[4096];

    OpenFile(Session session) {
        this.session = session;
    }

    final Pointer at(long addr) {
        Pointer.nativeValue(mem, addr);
        return mem;
    }

    final byte[] ioBuf(int n) {
        if (io.length < n) {
            io = new byte[Math.max(n, io.length * 2)];
        }
        return io;
    }

    abstract int read(long buf, int amt, long off) throws Exception;

    abstract int write(long buf, int amt, long off) throws Exception;

    abstract int truncate(long size) throws Exception;

    int sync(int flags) {
        return OK;
    }

    abstract long size() throws Exception;

    final int fileSize(long pSize) throws Exception {
        long s = size();
        at(pSize).setLong(0, s);
        return OK;
    }

    int lock(int level) throws Exception {
        return OK;
    }

    int unlock(int level) throws Exception {
        return OK;
    }

    int checkReservedLock(long pResOut) throws Exception {
        at(pResOut).setInt(0, 0);
        return OK;
    }

    int fileControl(int op, long pArg) throws Exception {
        return NOTFOUND;
    }

    abstract int close() throws Exception;
}
