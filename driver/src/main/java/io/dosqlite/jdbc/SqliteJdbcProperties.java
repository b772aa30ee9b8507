package io.dosqlite.jdbc;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * sqlite-jdbc's own connection properties ({@link SQLiteConfig.Pragma}, what
 * {@code SQLiteConfig.toProperties()} produces), under sqlite-jdbc's names and values, so that
 * {@code jdbc:dosqlite:…?foreign_keys=on} and a {@code SQLiteConfig} handed over as Properties
 * work as they did with {@code jdbc:sqlite:}. The ones that mean something for a database whose
 * file is on a page server are passed on to sqlite-jdbc (foreign_keys, date_class, synchronous,
 * cache_size, ...) or become the dosqlite property of the same meaning (busy_timeout, page_size,
 * a read-only open_mode); the ones that only make sense for a local file, or that would break
 * dosqlite's guarantees, are refused with the reason (SQLState 08001).
 */
final class SqliteJdbcProperties {
    /** open_mode flags that say nothing about a local file: accepted (threading and cache flags are sqlite-jdbc's business). */
    private static final int HARMLESS_OPEN_FLAGS = SQLiteOpenMode.READONLY.flag | SQLiteOpenMode.READWRITE.flag
            | SQLiteOpenMode.CREATE.flag | SQLiteOpenMode.OPEN_URI.flag | SQLiteOpenMode.NOMUTEX.flag
            | SQLiteOpenMode.FULLMUTEX.flag | SQLiteOpenMode.PRIVATECACHE.flag;

    private SqliteJdbcProperties() {
    }

    /** The name of one of sqlite-jdbc's properties, or null if {@code name} is none of them. */
    static SQLiteConfig.Pragma forName(String name) {
        for (SQLiteConfig.Pragma p : SQLiteConfig.Pragma.values()) {
            if (p.pragmaName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Takes sqlite-jdbc property {@code p} = {@code value}: into {@code dosqlite} when dosqlite has
     * the same setting, into {@code passOn} (given to sqlite-jdbc) when it applies as it is, or
     * refused with the reason.
     */
    static void put(SQLiteConfig.Pragma p, String value, Map<DosqliteProperty, String> dosqlite,
                    Map<String, String> passOn) throws SQLException {
        String v = value == null ? "" : value.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            // as sqlite-jdbc: "?journal_mode=" is a mistake, not a request for the default
            throw new SQLException("sqlite-jdbc property '" + p.pragmaName + "' has no value: give one (e.g. "
                    + p.pragmaName + "=" + (p.choices != null && p.choices.length > 0 ? p.choices[0] : "N")
                    + ") or leave it out", SqlState.BAD_URL.code());
        }
        switch (p) {
            case BUSY_TIMEOUT:
                dosqlite.put(DosqliteProperty.BUSY_TIMEOUT, v);
                return;
            case PAGE_SIZE:
                dosqlite.put(DosqliteProperty.PAGE_SIZE, v);
                return;
            case OPEN_MODE:
                openMode(v, dosqlite);
                return;
            case JOURNAL_MODE:
                if (lower.equals("wal") || lower.equals("off")) {
                    throw refused(p, v, "the page server already makes every commit atomic and keeps the rollback"
                            + " journal in the JVM; WAL would need a shared local file and OFF would break ROLLBACK."
                            + " Use DELETE (the default), TRUNCATE, PERSIST or MEMORY");
                }
                break;
            case LOCKING_MODE:
                if (lower.equals("exclusive")) {
                    throw refused(p, v, "an exclusive lock would pin one snapshot for the life of the connection,"
                            + " so it would never see other clients' commits. Use NORMAL");
                }
                break;
            case SHARED_CACHE:
                if (lower.equals("true") || lower.equals("on") || lower.equals("1")) {
                    throw refused(p, v, "connections of one JVM already share one page cache per database;"
                            + " SQLite's shared-cache mode would bypass the per-connection session of the VFS");
                }
                break;
            case LOAD_EXTENSION:
                if (lower.equals("true") || lower.equals("on") || lower.equals("1")) {
                    throw refused(p, v, "extension loading stays off on dosqlite connections (the VFS itself is"
                            + " registered through one); register functions with org.sqlite.Function.create instead");
                }
                break;
            case MMAP_SIZE:
                if (!lower.equals("0")) {
                    throw refused(p, v, "pages come from the page server through the page cache, there is no local"
                            + " file to map; size the cache with cacheSize instead");
                }
                break;
            case HEXKEY_MODE:
            case PASSWORD: // only reached through SQLiteConfig's constant; the name 'password' is dosqlite's token
                if (!lower.isEmpty() && !lower.equals("none")) {
                    throw refused(p, v, "encryption keys are for SQLCipher builds of a local file; sqlite-jdbc's"
                            + " build has no codec, and here 'password' is the page server's token");
                }
                return;
            default:
                break;
        }
        passOn.put(p.pragmaName, v);
    }

    /**
     * open_mode is a set of sqlite3_open_v2 flags; READONLY becomes readOnly and a READWRITE
     * without CREATE becomes create=false (unless those were given themselves); flags about local
     * files (DELETEONCLOSE, EXCLUSIVE, MEMORY, SHAREDCACHE, file types) are refused.
     */
    private static void openMode(String v, Map<DosqliteProperty, String> dosqlite) throws SQLException {
        int flags;
        try {
            flags = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new SQLException("Invalid value '" + v + "' for sqlite-jdbc property 'open_mode': expected the"
                    + " integer of SQLiteOpenMode flags, as SQLiteConfig.toProperties() writes it", SqlState.BAD_URL.code());
        }
        int local = flags & ~HARMLESS_OPEN_FLAGS;
        if (local != 0) {
            StringBuilder names = new StringBuilder();
            for (SQLiteOpenMode m : SQLiteOpenMode.values()) {
                if ((local & m.flag) != 0) {
                    names.append(names.length() == 0 ? "" : ", ").append(m.name());
                }
            }
            throw refused(SQLiteConfig.Pragma.OPEN_MODE, v, "the flags " + names + " are about a local file"
                    + " (delete on close, exclusive access, in-memory, shared cache); a dosqlite database lives"
                    + " on the page server. READONLY, READWRITE, CREATE, NOMUTEX, FULLMUTEX are accepted");
        }
        if ((flags & SQLiteOpenMode.READONLY.flag) != 0 && (flags & SQLiteOpenMode.READWRITE.flag) == 0) {
            dosqlite.putIfAbsent(DosqliteProperty.READ_ONLY, "true");
        } else if ((flags & SQLiteOpenMode.CREATE.flag) == 0) {
            dosqlite.putIfAbsent(DosqliteProperty.CREATE, "false");
        }
    }

    private static SQLException refused(SQLiteConfig.Pragma p, String value, String why) {
        return new SQLException("sqlite-jdbc property " + p.pragmaName + "=" + value + " is not supported by dosqlite: "
                + why, SqlState.BAD_URL.code());
    }
}
