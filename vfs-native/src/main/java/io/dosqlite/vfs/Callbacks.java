package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The C-callable functions of the VFS: one set per JVM, created once and kept strongly reachable
 * in static fields for the JVM's life. Pointers are passed as {@code long} (no Pointer objects per
 * call); every callback catches Throwable, records it in the {@link Session} of the connection the
 * file belongs to and returns an SQLite code, because an exception escaping a JNA callback would
 * make it return 0 (SQLITE_OK).
 */
final class Callbacks {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.vfs");

    private Callbacks() {}

    // ---- sqlite3_vfs ----
    public interface XOpen extends Callback { int callback(long vfs, long zName, long file, int flags, long pOutFlags); }
    public interface XDelete extends Callback { int callback(long vfs, long zName, int syncDir); }
    public interface XAccess extends Callback { int callback(long vfs, long zName, int flags, long pResOut); }
    public interface XFullPathname extends Callback { int callback(long vfs, long zName, int nOut, long zOut); }

    // ---- sqlite3_io_methods (version 1) ----
    public interface XClose extends Callback { int callback(long file); }
    public interface XRead extends Callback { int callback(long file, long buf, int amt, long offset); }
    public interface XWrite extends Callback { int callback(long file, long buf, int amt, long offset); }
    public interface XTruncate extends Callback { int callback(long file, long size); }
    public interface XSync extends Callback { int callback(long file, int flags); }
    public interface XFileSize extends Callback { int callback(long file, long pSize); }
    public interface XLock extends Callback { int callback(long file, int level); }
    public interface XUnlock extends Callback { int callback(long file, int level); }
    public interface XCheckReservedLock extends Callback { int callback(long file, long pResOut); }
    public interface XFileControl extends Callback { int callback(long file, int op, long pArg); }
    public interface XSectorSize extends Callback { int callback(long file); }
    public interface XDeviceCharacteristics extends Callback { int callback(long file); }

    static final XOpen X_OPEN = (vfs, zName, file, flags, pOutFlags) -> {
        try {
            return DosqliteVfs.byAddress(vfs).open(zName, file, flags, pOutFlags);
        } catch (Throwable t) {
            return failed(null, t, CANTOPEN);
        }
    };
    static final XDelete X_DELETE = (vfs, zName, syncDir) -> {
        try {
            return DosqliteVfs.byAddress(vfs).delete(zName);
        } catch (Throwable t) {
            return failed(null, t, IOERR_DELETE);
        }
    };
    static final XAccess X_ACCESS = (vfs, zName, flags, pResOut) -> {
        try {
            return DosqliteVfs.byAddress(vfs).access(zName, flags, pResOut);
        } catch (Throwable t) {
            return failed(null, t, IOERR_ACCESS);
        }
    };
    static final XFullPathname X_FULLPATHNAME = (vfs, zName, nOut, zOut) -> {
        try {
            return DosqliteVfs.byAddress(vfs).fullPathname(zName, nOut, zOut);
        } catch (Throwable t) {
            return failed(null, t, CANTOPEN);
        }
    };

    static final XClose X_CLOSE = file -> {
        OpenFile f = null;
        try {
            f = FileTable.remove(file);
            return f.close();
        } catch (Throwable t) {
            return failed(f, t, IOERR_CLOSE);
        }
    };
    static final XRead X_READ = (file, buf, amt, offset) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.read(buf, amt, offset);
        } catch (Throwable t) {
            return failed(f, t, IOERR_READ);
        }
    };
    static final XWrite X_WRITE = (file, buf, amt, offset) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.write(buf, amt, offset);
        } catch (Throwable t) {
            return failed(f, t, IOERR_WRITE);
        }
    };
    static final XTruncate X_TRUNCATE = (file, size) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.truncate(size);
        } catch (Throwable t) {
            return failed(f, t, IOERR_TRUNCATE);
        }
    };
    static final XSync X_SYNC = (file, flags) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.sync(flags);
        } catch (Throwable t) {
            return failed(f, t, IOERR_FSYNC);
        }
    };
    static final XFileSize X_FILESIZE = (file, pSize) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.fileSize(pSize);
        } catch (Throwable t) {
            return failed(f, t, IOERR_FSTAT);
        }
    };
    static final XLock X_LOCK = (file, level) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.lock(level);
        } catch (Throwable t) {
            return failed(f, t, IOERR_LOCK);
        }
    };
    static final XUnlock X_UNLOCK = (file, level) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.unlock(level);
        } catch (Throwable t) {
            return failed(f, t, IOERR_UNLOCK);
        }
    };
    static final XCheckReservedLock X_CHECKRESERVED = (file, pResOut) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.checkReservedLock(pResOut);
        } catch (Throwable t) {
            return failed(f, t, IOERR_CHECKRESERVEDLOCK);
        }
    };
    static final XFileControl X_FILECONTROL = (file, op, pArg) -> {
        OpenFile f = null;
        try {
            f = FileTable.get(file);
            return f.fileControl(op, pArg);
        } catch (Throwable t) {
            return failed(f, t, op == FCNTL_COMMIT_PHASETWO ? IOERR_FSYNC : IOERR);
        }
    };
    static final XSectorSize X_SECTORSIZE = file -> 512;
    static final XDeviceCharacteristics X_DEVCHARS = file ->
            IOCAP_POWERSAFE_OVERWRITE | IOCAP_SAFE_APPEND | IOCAP_SEQUENTIAL;

    /**
     * Keeps why a callback failed where the JDBC layer finds it: the session of the file's
     * connection. A failure with no file to blame (an unknown handle, a VFS-level call) can only
     * be logged.
     */
    private static int failed(OpenFile f, Throwable t, int code) {
        if (f != null && f.session != null) {
            f.session.recordError(t);
        } else {
            LOG.log(Level.FINE, "dosqlite: VFS callback failed with code " + code, t);
        }
        return code;
    }

    static long pOpen, pDelete, pAccess, pFullPathname;
    /** The one sqlite3_io_methods table shared by every file this JVM's VFSes open. */
    static Memory ioMethods;

    static void init() {
        pOpen = NativeExt.fnptr(X_OPEN);
        pDelete = NativeExt.fnptr(X_DELETE);
        pAccess = NativeExt.fnptr(X_ACCESS);
        pFullPathname = NativeExt.fnptr(X_FULLPATHNAME);
        Memory io = new Memory(NativeExt.Layout.IO_V1_SIZE);
        io.clear();
        io.setInt(NativeExt.Layout.IO_IVERSION, 1);
        Callback[] methods = {X_CLOSE, X_READ, X_WRITE, X_TRUNCATE, X_SYNC, X_FILESIZE, X_LOCK, X_UNLOCK,
            X_CHECKRESERVED, X_FILECONTROL, X_SECTORSIZE, X_DEVCHARS};
        for (int i = 0; i < methods.length; i++) {
            io.setLong(NativeExt.Layout.IO_XCLOSE + 8L * i, NativeExt.fnptr(methods[i]));
        }
        ioMethods = io;
    }

    static String cString(long addr) {
        return addr == 0 ? null : new Pointer(addr).getString(0, "UTF-8");
    }
}
