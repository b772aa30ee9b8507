package io.dosqlite.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConnection;

/**
 * Whether a prepared query scans, from SQLite's own plan ({@code EXPLAIN QUERY PLAN}), asked once
 * per SQL string and connection. A query that walks a key range or a whole b-tree reads leaf after
 * leaf, so its first cold leaf may start read-ahead at once (the page store cannot tell a range
 * scan's first leaves from a point lookup's). Point lookups and joins that look rows up one by one
 * answer false: read-ahead there would download pages nobody reads.
 */
final class ScanPlans {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");
    /** SQL strings remembered per connection; statements an application prepares again and again. */
    static final int MAX_ENTRIES = 256;

    private final SQLiteConnection sqlite;
    private final Map<String, Boolean> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    ScanPlans(SQLiteConnection sqlite) {
        this.sqlite = sqlite;
    }

    /**
     * Whether {@code sql}, already prepared on this connection (so its schema is loaded and the
     * plan costs no page read), scans. Not a SELECT: false, without asking SQLite.
     */
    synchronized boolean scans(String sql) {
        Boolean known = plans.get(sql);
        if (known == null) {
            known = SqlText.isSelect(sql) && scans(plan(sql));
            plans.put(sql, known);
        }
        return known;
    }

    /**
     * Whether plan lines (the {@code detail} column) describe a scan: every b-tree the query
     * visits is walked in full ({@code SCAN t}) or over a range ({@code SEARCH t USING ... (k>?)});
     * a line that looks rows up by equality ({@code (rowid=?)}, {@code (a=? AND b=?)}) makes it
     * a lookup. No b-tree line at all: false.
     */
    static boolean scans(List<String> details) {
        boolean any = false;
        for (String d : details) {
            String line = d.trim().toUpperCase(Locale.ROOT);
            if (line.startsWith("SCAN ")) {
                if (line.startsWith("SCAN CONSTANT ROW")) {
                    continue;
                }
                any = true;
            } else if (line.startsWith("SEARCH ")) {
                int open = line.lastIndexOf('(');
                String terms = open < 0 ? "" : line.substring(open);
                if (!(terms.contains(">") || terms.contains("<"))) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    private List<String> plan(String sql) {
        List<String> details = new java.util.ArrayList<>();
        try (Statement s = sqlite.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            int col = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                details.add(String.valueOf(rs.getString(col)));
            }
        } catch (SQLException e) {
            // only a hint: a statement SQLite cannot explain is read without it
            LOG.log(Level.FINE, "no query plan for a read-ahead hint", e);
            details.clear();
        }
        return details;
    }
}
