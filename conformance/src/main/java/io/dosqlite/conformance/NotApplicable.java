package io.dosqlite.conformance;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The suite's tests that cannot apply to a database on a page server, with why: they check local
 * files, load extensions, rely on SQLite's in-memory or shared-cache URIs, or test other classes
 * than the driver's connection. Keys are {@code Class.method} or {@code Class.} (a whole class).
 */
final class NotApplicable {
    private static final Map<String, String> REASONS = new LinkedHashMap<>();

    private static final String LOCAL_FILE = "checks a local database file (moved, write-protected, a directory, an invalid path)";

    static {
        REASONS.put("ErrorMessageTest.moved", LOCAL_FILE);
        REASONS.put("ErrorMessageTest.writeProtected", LOCAL_FILE);
        REASONS.put("ErrorMessageTest.cantOpenDir", LOCAL_FILE);
        REASONS.put("ErrorMessageTest.shouldUsePlainErrorCodeAsVendorCodeAndExtendedAsResultCode",
                "renames the database file under an open connection to get SQLITE_READONLY_DBMOVED (the result-code"
                        + " contract itself is kept: SqliteJdbcCompatTest)");
        REASONS.put("ConnectionTest.openInvalidLocation", LOCAL_FILE);
        REASONS.put("ConnectionTest.openResource", ":resource: URLs open a database file bundled on the class path");
        REASONS.put("ConnectionTest.openJARResource", ":resource: URLs open a database file bundled in a jar");
        REASONS.put("ConnectionTest.URIFilenames", "a named shared-cache in-memory database (file:memdb1?mode=memory&cache=shared)"
                + " ATTACHed by its URI name from another connection");
        REASONS.put("BackupTest.", "backup/restore copy pages between a database and a local file or in-memory database;"
                + " dosqlite has ./dosqlite export/import and Transfer for that");
        REASONS.put("SerializeTest.testBufferIsFileCompatible", "compares a serialized database with a local file's bytes");
        REASONS.put("SerializeTest.testFileIsBufferCompatible", "deserializes a local file's bytes into the connection's main database");
        REASONS.put("StatementTest.unwrapTest", "difference: stat.unwrap(JDBC3Statement.class) gives sqlite-jdbc's own statement,"
                + " not the same object: a dosqlite statement wraps it to translate errors and run optimistically"
                + " (conn.unwrap(SQLiteConnection.class) is the connection itself)");
        REASONS.put("QueryTest.github720_Incorrect_Update_Count_After_Deleting_Many_Rows", "difference: 50,000 autocommit"
                + " INSERTs, one commit round trip each, outlast the harness's 180 s per test; batch them or use a"
                + " transaction (README, 'Many small writes')");
    }

    private NotApplicable() {
    }

    /** Why {@code test} cannot apply, or null if it must pass on dosqlite as on sqlite-jdbc. */
    static String reason(String test) {
        for (Map.Entry<String, String> e : REASONS.entrySet()) {
            if (test.equals(e.getKey()) || test.startsWith(e.getKey().endsWith(".") ? e.getKey() : e.getKey() + "[")) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Why a class that opens no connection through DriverManager is not run. */
    static String whyNotSelected(String className) {
        if (className.contains(".architecture.")) {
            return "ArchUnit rules about sqlite-jdbc's own source code; no database";
        }
        if (className.endsWith("OSInfoTest")) {
            return "native-library platform detection; no database";
        }
        if (className.endsWith("DataSourceTest")) {
            return "SQLiteDataSource / SQLiteConnectionPoolDataSource open sqlite-jdbc's connection directly, never through DriverManager";
        }
        return "opens no connection through DriverManager (SQLiteConfig.createConnection or no database)";
    }
}
