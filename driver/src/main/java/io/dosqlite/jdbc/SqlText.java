package io.dosqlite.jdbc;

import java.util.Locale;

/** What the driver needs to know about a statement's text without parsing SQL. */
final class SqlText {
    private SqlText() {
    }

    /**
     * Whether {@code sql} starts with SELECT or VALUES (after whitespace and comments): a query
     * that cannot write, so it can run again without effect. Anything else (WITH ... DELETE
     * RETURNING, PRAGMA, INSERT ... RETURNING) answers false.
     */
    static boolean isSelect(String sql) {
        String first = firstWord(sql);
        return first.equals("SELECT") || first.equals("VALUES");
    }

    /**
     * Whether {@code sql} is transaction control (BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT,
     * RELEASE): a COMMIT of a transaction begun in SQL that was refused cannot simply run again,
     * the whole transaction has to.
     */
    static boolean isTransactionControl(String sql) {
        return switch (firstWord(sql)) {
            case "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE" -> true;
            default -> false;
        };
    }

    /** The first word after whitespace and comments, upper case ("" if none). */
    private static String firstWord(String sql) {
        if (sql == null) {
            return "";
        }
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        int end = i;
        while (end < n && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return sql.substring(i, end).toUpperCase(Locale.ROOT);
    }
}
