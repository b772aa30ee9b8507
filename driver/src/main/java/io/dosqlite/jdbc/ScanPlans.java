package io.dosqlite.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import io.dosqlite.remote.ScanHint;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConnection;

/**
 * How a prepared query reads, as a read-ahead hint ({@link ScanHint}): whether it scans, from SQLite's own plan ({@code EXPLAIN QUERY PLAN}), asked once
 * per SQL string and connection. A query that walks a key range or a whole b-tree reads leaf after
 * leaf, so its first cold leaf may start read-ahead at once (the page store cannot tell a range
 * scan's first leaves from a point lookup's). Point lookups and joins that look rows up one by one
 * answer false: read-ahead there would download pages nobody reads.
 */
final class ScanPlans {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");
    /** SQL strings remembered per connection; statements an application prepares again and again. */
    static final int MAX_ENTRIES = 256;
    private static final java.util.regex.Pattern LIMIT = java.util.regex.Pattern.compile("(?i)\\bLIMIT\\b");

    private final SQLiteConnection sqlite;
    private final Map<String, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Plan> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    ScanPlans(SQLiteConnection sqlite) {
        this.sqlite = sqlite;
    }

    /**
     * What a plan says about read-ahead. {@code boundTerms}: for a plan that walks one b-tree over
     * a range of one column, its terms ("K>?", "K<?"), whose parameters, when they are all of the
     * statement's, are the range's bounds; null otherwise.
     */
    record Plan(boolean scans, List<String> boundTerms, boolean onRowid) {
        static final Plan NONE = new Plan(false, null, false);
    }

    /**
     * The hint for {@code sql}, already prepared on this connection (so its schema is loaded and
     * the plan costs no page read), with its parameter count and numeric values. Not a SELECT:
     * no hint, without asking SQLite.
     */
    synchronized ScanHint hint(String sql, IntSupplier parameterCount, BoundNumbers values) {
        Plan plan = plans.get(sql);
        if (plan == null) {
            // LIMIT: a scan that may stop after a few rows (pagination) reads ahead nothing it may not need
            plan = SqlText.isSelect(sql) && !mayStopEarly(sql) ? plan(plan(sql)) : Plan.NONE;
            if (plan.boundTerms() != null && parameterCount.getAsInt() != plan.boundTerms().size()) {
                plan = Plan.NONE; // other parameters too: which ones bound the range is unknown
            }
            plans.put(sql, plan);
        }
        if (!plan.scans()) {
            return ScanHint.NONE;
        }
        if (plan.boundTerms() == null) {
            return ScanHint.scan();
        }
        double low = Double.NEGATIVE_INFINITY;
        double high = Double.POSITIVE_INFINITY;
        if (plan.boundTerms().size() == 2) {
            double a = values.get(1);
            double b = values.get(2);
            low = Math.min(a, b);
            high = Math.max(a, b);
        } else if (plan.boundTerms().get(0).contains(">")) {
            low = values.get(1);
        } else {
            high = values.get(1);
        }
        return ScanHint.range(low, high, plan.onRowid());
    }

    /** Whether {@code sql} has a LIMIT (a word anywhere in it: a false match only loses the hint). */
    static boolean mayStopEarly(String sql) {
        return LIMIT.matcher(sql).find();
    }

    /**
     * The read-ahead shape of plan lines: whole-tree scans ({@code SCAN t}) scan without bounds;
     * a range ({@code SEARCH t USING ... (k>? AND k<?)}) only with its bounds, when it is the only
     * b-tree the query walks and the range is on one column. A range whose bounds are unknown gets
     * no hint: its first misses look like a lookup's, and a lookup must not pay for read-ahead.
     */
    static Plan plan(List<String> details) {
        if (!scans(details)) {
            return Plan.NONE;
        }
        String search = null;
        int trees = 0;
        for (String d : details) {
            String line = d.trim().toUpperCase(Locale.ROOT);
            if ((line.startsWith("SCAN ") && !line.startsWith("SCAN CONSTANT ROW")) || line.startsWith("SEARCH ")) {
                trees++;
                search = line.startsWith("SEARCH ") ? line : search;
            }
        }
        if (search == null) {
            return new Plan(true, null, false);
        }
        if (trees != 1 || !search.endsWith(")")) {
            return Plan.NONE;
        }
        String terms = search.substring(search.lastIndexOf('(') + 1, search.length() - 1);
        List<String> parts = List.of(terms.split(" AND "));
        String column = null;
        boolean low = false;
        boolean high = false;
        for (String t : parts) {
            if (!t.matches("\\w+[<>]\\?")) {
                return Plan.NONE;
            }
            String c = t.substring(0, t.length() - 2);
            boolean isLow = t.charAt(t.length() - 2) == '>';
            if ((column != null && !column.equals(c)) || (isLow ? low : high)) {
                return Plan.NONE;
            }
            column = c;
            low |= isLow;
            high |= !isLow;
        }
        return new Plan(true, parts, search.contains(" USING INTEGER PRIMARY KEY "));
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
