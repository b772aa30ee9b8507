package io.dosqlite.vfs;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.*;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers shared by the VFS tests. */
abstract class VfsTestSupport {
    private static final AtomicInteger SEQ = new AtomicInteger();

    static String uniqueName(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    private static final Map<Connection, Session> SESSIONS = Collections.synchronizedMap(new WeakHashMap<>());

    static Connection open(DosqliteVfs vfs, String... props) throws SQLException {
        Properties p = DosqliteVfs.connectionProperties();
        for (int i = 0; i + 1 < props.length; i += 2) {
            p.setProperty(props[i], props[i + 1]);
        }
        Session session = vfs.store().newSession();
        Connection c = vfs.open(session, p);
        SESSIONS.put(c, session);
        return c;
    }

    /** The cause of the last failed file operation of {@code c} (opened by {@link #open}), cleared on read. */
    static Throwable lastError(Connection c) {
        Session s = SESSIONS.get(c);
        return s == null ? null : s.takeError();
    }

    static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(series(q));
            }
        }
    }

    private static final java.util.regex.Pattern SERIES =
            java.util.regex.Pattern.compile("(?is)(.*)generate_series\\((\\d+), *(\\d+)\\)(.*)");

    /** sqlite-jdbc has no generate_series: rewrite "... generate_series(a, b) ..." into a recursive CTE. */
    static String series(String sql) {
        java.util.regex.Matcher m = SERIES.matcher(sql);
        if (!m.matches()) {
            return sql;
        }
        return "with recursive gs(value) as (select " + m.group(2) + " union all select value + 1 from gs where value < "
                + m.group(3) + ") " + m.group(1) + " gs " + m.group(4);
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), "no row for " + sql);
            return rs.getLong(1);
        }
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), "no row for " + sql);
            return rs.getString(1);
        }
    }

    static void assertIntegrity(Connection c) throws SQLException {
        assertEquals("ok", queryString(c, "PRAGMA integrity_check"));
    }

    /** A content digest of a table (order-independent of storage: ordered by key). */
    static String digest(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*), coalesce(sum(length(v)),0), "
                     + "coalesce(group_concat(k || ':' || hex(substr(v,1,8)) || ':' || length(v), ','),'') from (select * from "
                     + table + " order by k)")) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2) + "/" + Integer.toHexString(rs.getString(3).hashCode());
        }
    }
}
