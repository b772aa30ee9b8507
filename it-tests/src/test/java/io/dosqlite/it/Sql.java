package io.dosqlite.it;

/** SQL the tests build data with. */
final class Sql {
    private Sql() {
    }

    /** A CTE {@code series(value)} of the integers from..to; sqlite-jdbc has no generate_series. */
    static String series(int from, int to) {
        return "WITH RECURSIVE series(value) AS (SELECT " + from
                + " UNION ALL SELECT value + 1 FROM series WHERE value < " + to + ")";
    }
}
