package io.dosqlite.vfs;

/** SQLite result codes, flags and constants used by the VFS (values from sqlite3.h). */
final class SqliteCodes {
    private SqliteCodes() {}

    static final int OK = 0;
    static final int ERROR = 1;
    static final int BUSY = 5;
    static final int IOERR = 10;
    static final int NOTFOUND = 12;
    static final int CANTOPEN = 14;
    static final int MISUSE = 21;

    static final int IOERR_READ = IOERR | (1 << 8);
    static final int IOERR_SHORT_READ = IOERR | (2 << 8);
    static final int IOERR_WRITE = IOERR | (3 << 8);
    static final int IOERR_FSYNC = IOERR | (4 << 8);
    static final int IOERR_TRUNCATE = IOERR | (6 << 8);
    static final int IOERR_FSTAT = IOERR | (7 << 8);
    static final int IOERR_UNLOCK = IOERR | (8 << 8);
    static final int IOERR_DELETE = IOERR | (10 << 8);
    static final int IOERR_ACCESS = IOERR | (13 << 8);
    static final int IOERR_CHECKRESERVEDLOCK = IOERR | (14 << 8);
    static final int IOERR_LOCK = IOERR | (15 << 8);
    static final int IOERR_CLOSE = IOERR | (16 << 8);

    static final int OPEN_READONLY = 0x1;
    static final int OPEN_READWRITE = 0x2;
    static final int OPEN_CREATE = 0x4;
    static final int OPEN_DELETEONCLOSE = 0x8;
    static final int OPEN_EXCLUSIVE = 0x10;
    static final int OPEN_MAIN_DB = 0x100;
    static final int OPEN_TEMP_DB = 0x200;
    static final int OPEN_TRANSIENT_DB = 0x400;
    static final int OPEN_MAIN_JOURNAL = 0x800;
    static final int OPEN_TEMP_JOURNAL = 0x1000;
    static final int OPEN_SUBJOURNAL = 0x2000;
    static final int OPEN_SUPER_JOURNAL = 0x4000;
    static final int OPEN_WAL = 0x80000;

    static final int LOCK_NONE = 0;
    static final int LOCK_SHARED = 1;
    static final int LOCK_RESERVED = 2;
    static final int LOCK_PENDING = 3;
    static final int LOCK_EXCLUSIVE = 4;

    static final int ACCESS_EXISTS = 0;
    static final int ACCESS_READWRITE = 1;

    static final int FCNTL_PRAGMA = 14;
    static final int FCNTL_SYNC = 21;
    static final int FCNTL_COMMIT_PHASETWO = 22;

    static final int IOCAP_SAFE_APPEND = 0x200;
    static final int IOCAP_SEQUENTIAL = 0x400;
    static final int IOCAP_POWERSAFE_OVERWRITE = 0x1000;

    /** Byte offset of SQLite's lock-byte page (PENDING_BYTE); SQLite never reads or writes that page. */
    static final long PENDING_BYTE = 0x40000000L;
}
