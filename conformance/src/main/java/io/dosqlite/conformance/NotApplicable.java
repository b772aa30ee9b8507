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

    static {
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
