package io.dosqlite.vfs;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConfig;

/**
 * The C loadable extension (src/main/c/dosqlite_ext.c), extracted once per JVM to a temp file,
 * loaded into sqlite-jdbc's SQLite with {@code load_extension()} on a private connection (so its
 * init function captures the {@code sqlite3_api_routines} table), then bound with JNA direct
 * mapping through the same absolute path, so both share one dlopen handle and its globals.
 */
final class NativeExt {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.vfs");
    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static String path;

    private NativeExt() {}

    // ---- direct-mapped entry points of libdosqlite.so ----
    static native int dosqlite_ready();

    static native void dosqlite_fill_vfs(Pointer vfs);

    static native int dosqlite_register_vfs(Pointer vfs);

    static native int dosqlite_unregister_vfs(Pointer vfs);

    static native long dosqlite_mprintf(byte[] nulTerminatedUtf8);

    static native long dosqlite_uri_parameter(long zFile, byte[] nulTerminatedParam);

    static native int dosqlite_sizeof_vfs();

    static native int dosqlite_sizeof_io_methods();

    /** Absolute path of the extracted extension (valid after {@link #ensureLoaded()}). */
    static String path() {
        return path;
    }

    static void ensureLoaded() throws SQLException {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            if (Native.POINTER_SIZE != 8) {
                throw new SQLException("dosqlite: the native VFS needs a 64-bit JVM");
            }
            String resource = "/native/" + Platform.RESOURCE_PREFIX + "/libdosqlite.so";
            Path file;
            try (InputStream in = NativeExt.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new SQLException("dosqlite: no native VFS extension for platform " + Platform.RESOURCE_PREFIX
                            + " (missing resource " + resource + " in the dosqlite jar)");
                }
                Path dir = Files.createTempDirectory("dosqlite-native");
                file = dir.resolve("libdosqlite.so");
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                file.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new SQLException("dosqlite: cannot extract the native VFS extension: " + e.getMessage(), e);
            }
            String abs = file.toAbsolutePath().toString();
            // 1) load_extension() on a private connection with extension loading enabled.
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.enableLoadExtension(true);
            try (Connection c = cfg.createConnection("jdbc:sqlite::memory:");
                 PreparedStatement ps = c.prepareStatement("SELECT load_extension(?)")) {
                ps.setString(1, abs);
                ps.executeQuery().close();
            }
            // 2) JNA direct mapping of the same absolute path → same handle, same globals.
            NativeLibrary lib = NativeLibrary.getInstance(abs);
            Native.register(NativeExt.class, lib);
            if (dosqlite_ready() != 1) {
                throw new SQLException("dosqlite: native VFS extension loaded but not initialised (" + abs + ")");
            }
            if (dosqlite_sizeof_vfs() < Layout.VFS_V2_SIZE || dosqlite_sizeof_io_methods() < Layout.IO_V1_SIZE) {
                throw new SQLException("dosqlite: unexpected sqlite3_vfs / sqlite3_io_methods layout");
            }
            path = abs;
            Callbacks.init();
            loaded = true;
            LOG.fine(() -> "dosqlite native VFS extension loaded from " + abs);
        }
    }

    /** A C string allocated with sqlite3_malloc (for error messages SQLite frees), or 0. */
    static long mprintf(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return dosqlite_mprintf(z);
    }

    /** URI parameter {@code name} (ASCII, NUL-terminated) of a file name SQLite passed to xOpen, or null. */
    static String uriParameter(long zFile, byte[] name) {
        if (zFile == 0) {
            return null;
        }
        long v = dosqlite_uri_parameter(zFile, name);
        return v == 0 ? null : new Pointer(v).getString(0, "UTF-8");
    }

    private static Method directPointer;
    /** True if callbacks were created in JNA's direct mode (diagnostics). */
    static volatile boolean directCallbacks;

    /**
     * Native function pointer of a callback, created in JNA's "direct" mode (JNI calls the Java
     * method with primitive arguments, no proxy/reflection per call). Falls back to the public API.
     */
    static long fnptr(Callback cb) {
        try {
            if (directPointer == null) {
                Method m = CallbackReference.class.getDeclaredMethod("getFunctionPointer", Callback.class, boolean.class);
                m.setAccessible(true);
                directPointer = m;
            }
            long fp = Pointer.nativeValue((Pointer) directPointer.invoke(null, cb, true));
            directCallbacks = true;
            return fp;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "direct callback pointer unavailable, using proxy callbacks", e);
            directCallbacks = false;
            return Pointer.nativeValue(CallbackReference.getFunctionPointer(cb));
        }
    }

    /** Byte offsets in sqlite3_vfs / sqlite3_io_methods / sqlite3_file on LP64 platforms. */
    static final class Layout {
        static final int VFS_IVERSION = 0;
        static final int VFS_SZOSFILE = 4;
        static final int VFS_MXPATHNAME = 8;
        static final int VFS_ZNAME = 24;
        static final int VFS_XOPEN = 40;
        static final int VFS_XDELETE = 48;
        static final int VFS_XACCESS = 56;
        static final int VFS_XFULLPATHNAME = 64;
        static final int VFS_V2_SIZE = 144;

        static final int IO_IVERSION = 0;
        static final int IO_XCLOSE = 8; // then 8 bytes per method, in declaration order
        static final int IO_V1_SIZE = 104;

        static final int SZ_OSFILE = 16;
        static final int MX_PATHNAME = 512;
    }
}
