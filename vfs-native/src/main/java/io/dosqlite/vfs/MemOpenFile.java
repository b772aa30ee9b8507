package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

/** A journal, temp database or other non-main file: lives in JVM memory only. */
final class MemOpenFile extends OpenFile {
    private final DosqliteVfs vfs;
    private final String name;
    private final MemFile file;
    private final boolean deleteOnClose;

    MemOpenFile(DosqliteVfs vfs, String name, MemFile file, boolean deleteOnClose, Session session) {
        super(session);
        this.vfs = vfs;
        this.name = name;
        this.file = file;
        this.deleteOnClose = deleteOnClose;
    }

    @Override
    int read(long buf, int amt, long off) {
        byte[] b = ioBuf(amt);
        int n = file.read(off, b, amt);
        at(buf).write(0, b, 0, n);
        if (n < amt) {
            mem.setMemory(n, amt - n, (byte) 0);
            return IOERR_SHORT_READ;
        }
        return OK;
    }

    @Override
    int write(long buf, int amt, long off) {
        byte[] b = ioBuf(amt);
        at(buf).read(0, b, 0, amt);
        file.write(off, b, amt);
        return OK;
    }

    @Override
    int truncate(long size) {
        file.truncate(size);
        return OK;
    }

    @Override
    long size() {
        return file.size();
    }

    @Override
    int close() {
        if (deleteOnClose && name != null) {
            vfs.deleteMem(name, file);
        }
        return OK;
    }
}
