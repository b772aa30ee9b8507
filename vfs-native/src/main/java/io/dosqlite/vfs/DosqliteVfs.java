package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * A SQLite VFS, registered in sqlite-jdbc's SQLite, whose main database file is served by a
 * {@link PageStore}. Rollback journals, temp databases and statement journals live in JVM memory
 * and never leave the JVM.
 *
 * <h2>How a connection must be opened</h2>
 * With {@link #open(Session, Properties)}, which hands the connection's {@link Session} to the VFS,
 * on top of {@link #connectionProperties()} (add your own properties), e.g.
 * <pre>{@code
 * DosqliteVfs vfs = DosqliteVfs.register("dosqlite-1", store);
 * Session session = store.newSession();
 * Connection c = vfs.open(session, DosqliteVfs.connectionProperties());
 * }</pre>
 * A connection opened with {@link #jdbcUrl()} directly gets a session of its own that nobody
 * else sees. The URL is {@code jdbc:sqlite:file:dosqlite.db?vfs=NAME} (a SQLite URI filename; the
 * properties set {@code SQLITE_OPEN_URI} so the {@code vfs=} parameter is honoured).
 *
 * <h2>Transactions</h2>
 * A write transaction is buffered in the connection and published with one
 * {@link Snapshot#commit} at SQLite's commit point ({@code SQLITE_FCNTL_COMMIT_PHASETWO}); a
 * transaction that rolls back sends nothing. A failed commit (e.g. CONFLICT) surfaces as
 * SQLITE_IOERR_FSYNC ("disk I/O error"), the transaction is rolled back and the connection stays
 * usable; the connection's {@link Session#takeError()} returns the {@link PageStoreException}.
 *
 * <h2>Pragmas</h2>
 * journal_mode DELETE (default), TRUNCATE, PERSIST and MEMORY work (the journal is in memory in all
 * of them). {@code journal_mode=WAL}, {@code journal_mode=OFF} and {@code locking_mode=EXCLUSIVE}
 * are refused with an explanatory error: the page server already makes commits atomic, OFF would
 * break ROLLBACK, and EXCLUSIVE would pin one snapshot forever (no fresh reads). synchronous may be
 * anything: the commit point does not depend on xSync.
 */
public final class DosqliteVfs implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.vfs");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final Map<String, DosqliteVfs> BY_NAME = new HashMap<>();
    private static volatile Map<Long, DosqliteVfs> byAddress = Map.of();

    /** File name used in {@link #jdbcUrl()}; any MAIN_DB name opened through this VFS maps to the store. */
    static final String DB_FILE = "dosqlite.db";
    /** URI parameter that names the session of the connection opening a file (see {@link #open}). */
    private static final String SESSION_PARAM = "dosqlite_session";
    private static final byte[] SESSION_PARAM_Z = (SESSION_PARAM + "\0").getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final PageStore store;
    private final LockTable locks;
    private final Memory vfsStruct;
    private final Memory nameMem;
    private final long address;
    private final Map<String, MemFile> memFiles = new ConcurrentHashMap<>();
    private final AtomicLong openMain = new AtomicLong();
    /** Sessions of connections opened by {@link #open}, by the id in their file name, until the main file closes. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private volatile boolean closed;
    /** The main-database file name bound to the store by the first open (any name; jdbcUrl() uses DB_FILE). */
    private volatile String mainName;
    /** Number of successful store commits (diagnostics, tests). */
    final AtomicLong commits = new AtomicLong();

    private DosqliteVfs(String name, PageStore store) {
        this.name = name;
        this.store = store;
        this.locks = LockTable.acquire(store);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        nameMem = new Memory(n.length + 1);
        nameMem.write(0, n, 0, n.length);
        nameMem.setByte(n.length, (byte) 0);
        vfsStruct = new Memory(NativeExt.dosqlite_sizeof_vfs());
        vfsStruct.clear();
        vfsStruct.setInt(NativeExt.Layout.VFS_IVERSION, 2);
        vfsStruct.setInt(NativeExt.Layout.VFS_SZOSFILE, NativeExt.Layout.SZ_OSFILE);
        vfsStruct.setInt(NativeExt.Layout.VFS_MXPATHNAME, NativeExt.Layout.MX_PATHNAME);
        vfsStruct.setPointer(NativeExt.Layout.VFS_ZNAME, nameMem);
        vfsStruct.setLong(NativeExt.Layout.VFS_XOPEN, Callbacks.pOpen);
        vfsStruct.setLong(NativeExt.Layout.VFS_XDELETE, Callbacks.pDelete);
        vfsStruct.setLong(NativeExt.Layout.VFS_XACCESS, Callbacks.pAccess);
        vfsStruct.setLong(NativeExt.Layout.VFS_XFULLPATHNAME, Callbacks.pFullPathname);
        NativeExt.dosqlite_fill_vfs(vfsStruct);
        address = Pointer.nativeValue(vfsStruct);
    }

    /** Loads the native extension once per JVM and registers a SQLite VFS named vfsName whose main database file is served by store. */
    public static DosqliteVfs register(String vfsName, PageStore store) throws SQLException {
        if (vfsName == null || !NAME.matcher(vfsName).matches()) {
            throw new SQLException("dosqlite: invalid VFS name '" + vfsName + "' (use letters, digits, '.', '_', '-')");
        }
        if (store == null) {
            throw new SQLException("dosqlite: page store is null");
        }
        NativeExt.ensureLoaded();
        synchronized (BY_NAME) {
            if (BY_NAME.containsKey(vfsName)) {
                throw new SQLException("dosqlite: a VFS named '" + vfsName + "' is already registered in this JVM");
            }
            DosqliteVfs v = new DosqliteVfs(vfsName, store);
            Map<Long, DosqliteVfs> m = new HashMap<>(byAddress);
            m.put(v.address, v);
            byAddress = Map.copyOf(m);
            int rc = NativeExt.dosqlite_register_vfs(v.vfsStruct);
            if (rc != OK) {
                m.remove(v.address);
                byAddress = Map.copyOf(m);
                LockTable.release(store);
                throw new SQLException("dosqlite: sqlite3_vfs_register failed with code " + rc);
            }
            BY_NAME.put(vfsName, v);
            LOG.fine(() -> "dosqlite: registered VFS " + vfsName);
            return v;
        }
    }

    public String name() {
        return name;
    }

    /** The sqlite-jdbc URL to open this database through this VFS (use with {@link #connectionProperties()}). */
    public String jdbcUrl() {
        return "jdbc:sqlite:file:" + DB_FILE + "?vfs=" + name;
    }

    /**
     * Opens a sqlite-jdbc connection through this VFS whose files report to {@code session}: the
     * store sees it in every {@link PageStore#beginRead(Session)} of this connection, and the cause
     * of a failed file operation is kept in it. {@code properties} must include
     * {@link #connectionProperties()}.
     */
    public Connection open(Session session, Properties properties) throws SQLException {
        String id = Long.toString(sessionIds.incrementAndGet());
        sessions.put(id, session);
        boolean opened = false;
        try {
            Connection c = JDBC.createConnection(jdbcUrl() + "&" + SESSION_PARAM + "=" + id, properties);
            opened = true;
            return c;
        } finally {
            if (!opened) {
                sessions.remove(id);
            }
        }
    }

    /** The store behind this VFS. */
    public PageStore store() {
        return store;
    }

    /**
     * sqlite-jdbc properties every connection through a dosqlite VFS must be opened with:
     * open mode READWRITE|CREATE|URI ({@code open_mode}) so that {@code ?vfs=} in {@link #jdbcUrl()}
     * is honoured, and extension loading disabled. Callers may add other sqlite-jdbc properties
     * (busy_timeout, cache_size, foreign_keys, journal_mode among DELETE/TRUNCATE/PERSIST/MEMORY…)
     * but must not set journal_mode WAL/OFF or locking_mode EXCLUSIVE (refused) nor drop the URI flag.
     */
    public static Properties connectionProperties() {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setOpenMode(SQLiteOpenMode.OPEN_URI);
        cfg.enableLoadExtension(false);
        return cfg.toProperties();
    }

    /** Unregisters; only valid once no connection uses it. */
    @Override
    public void close() {
        synchronized (BY_NAME) {
            if (closed) {
                return;
            }
            if (openMain.get() > 0) {
                throw new IllegalStateException("dosqlite: VFS '" + name + "' still has " + openMain.get() + " open connection(s)");
            }
            closed = true;
            NativeExt.dosqlite_unregister_vfs(vfsStruct);
            BY_NAME.remove(name);
            Map<Long, DosqliteVfs> m = new HashMap<>(byAddress);
            m.remove(address);
            byAddress = Map.copyOf(m);
            LockTable.release(store);
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.WARNING, "dosqlite: page store close failed", e);
            }
            // vfsStruct/nameMem become unreachable only now; SQLite no longer references them.
        }
    }

    /** Number of main-database files currently open through this VFS. */
    public long openConnections() {
        return openMain.get();
    }

    // ------------------------------------------------------------------ callbacks (package-private)

    static DosqliteVfs byAddress(long addr) {
        DosqliteVfs v = byAddress.get(addr);
        if (v == null) {
            throw new IllegalStateException("dosqlite: unknown sqlite3_vfs 0x" + Long.toHexString(addr));
        }
        return v;
    }

    int open(long zName, long pFile, int flags, long pOutFlags) {
        Pointer file = new Pointer(pFile);
        file.setLong(0, 0); // pMethods stays NULL unless the open succeeds
        String fname = Callbacks.cString(zName);
        String sessionId = NativeExt.uriParameter(zName, SESSION_PARAM_Z);
        Session session = sessionId == null ? null : sessions.get(sessionId);
        OpenFile f;
        if ((flags & OPEN_MAIN_DB) != 0) {
            if (session == null) {
                // opened with jdbcUrl() directly: a session only this connection's files see
                session = store.newSession();
            }
            if (closed) {
                return CANTOPEN;
            }
            synchronized (this) {
                if (mainName == null) {
                    mainName = fname;
                } else if (!mainName.equals(fname)) {
                    session.recordError(new PageStoreException(PageStoreException.Kind.INVALID, "dosqlite: VFS '"
                            + name + "' serves one database ('" + mainName + "'); cannot open '" + fname + "' through it"));
                    return CANTOPEN;
                }
            }
            f = new MainDbFile(this, store, locks, session, sessionId);
            openMain.incrementAndGet();
        } else if ((flags & OPEN_WAL) != 0) {
            if (session != null) {
                session.recordError(new PageStoreException(PageStoreException.Kind.INVALID,
                        "dosqlite: WAL is not supported"));
            }
            return CANTOPEN;
        } else {
            boolean anon = fname == null || (flags & OPEN_DELETEONCLOSE) != 0;
            MemFile m;
            if (anon) {
                m = new MemFile();
            } else if ((flags & OPEN_CREATE) != 0) {
                m = memFiles.computeIfAbsent(fname, k -> new MemFile());
            } else {
                m = memFiles.get(fname);
                if (m == null) {
                    return CANTOPEN;
                }
            }
            f = new MemOpenFile(this, anon ? null : fname, m, false, session);
        }
        FileTable.put(pFile, f);
        file.setPointer(0, Callbacks.ioMethods);
        if (pOutFlags != 0) {
            new Pointer(pOutFlags).setInt(0, flags);
        }
        return OK;
    }

    void mainClosed(String sessionId) {
        if (sessionId != null) {
            sessions.remove(sessionId);
        }
        openMain.decrementAndGet();
    }

    void deleteMem(String fname, MemFile f) {
        memFiles.remove(fname, f);
    }

    int delete(long zName) {
        String fname = Callbacks.cString(zName);
        if (fname != null) {
            memFiles.remove(fname);
        }
        return OK;
    }

    int access(long zName, int flags, long pResOut) {
        String fname = Callbacks.cString(zName);
        MemFile m = fname == null ? null : memFiles.get(fname);
        boolean res;
        if (m != null) {
            // like os_unix: an empty file does not "exist" (no hot journal to look at)
            res = flags != ACCESS_EXISTS || m.size() > 0;
        } else {
            res = fname != null && fname.equals(mainName);
        }
        new Pointer(pResOut).setInt(0, res ? 1 : 0);
        return OK;
    }

    int fullPathname(long zName, int nOut, long zOut) {
        String fname = Callbacks.cString(zName);
        byte[] b = (fname == null ? "" : fname).getBytes(StandardCharsets.UTF_8);
        if (b.length + 1 > nOut) {
            return CANTOPEN;
        }
        Pointer out = new Pointer(zOut);
        out.write(0, b, 0, b.length);
        out.setByte(b.length, (byte) 0);
        return OK;
    }

    /** The error message for a pragma this VFS refuses, or null if it is allowed. */
    static String refusedPragma(String name, String value) {
        String n = name.toLowerCase(Locale.ROOT);
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.length() >= 2 && (v.startsWith("'") || v.startsWith("\"")) && v.endsWith(v.substring(0, 1))) {
            v = v.substring(1, v.length() - 1);
        }
        if (n.equals("journal_mode") && v.equals("wal")) {
            return "dosqlite: journal_mode=WAL is not supported; the page server already gives atomic commits"
                    + " — use the default journal mode (DELETE) or MEMORY";
        }
        if (n.equals("journal_mode") && v.equals("off")) {
            return "dosqlite: journal_mode=OFF is not supported (ROLLBACK would corrupt the database);"
                    + " use the default journal mode (DELETE) or MEMORY — the journal never leaves the JVM anyway";
        }
        if (n.equals("locking_mode") && v.equals("exclusive")) {
            return "dosqlite: locking_mode=EXCLUSIVE is not supported (it would pin one database snapshot forever"
                    + " and never see other clients' commits); use locking_mode=NORMAL";
        }
        return null;
    }
}
