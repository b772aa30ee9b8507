package io.dosqlite.jdbc;

import java.util.Arrays;

/**
 * The numeric parameter values of a prepared statement, as set (NaN where a parameter is not a
 * number or not set): the bounds of a range the statement scans, for read-ahead.
 */
final class BoundNumbers {
    private double[] values = new double[0];

    void set(int index, double value) {
        if (index < 1 || index > 32_766) {
            return;
        }
        if (index > values.length) {
            int old = values.length;
            values = Arrays.copyOf(values, Math.max(index, 2 * old));
            Arrays.fill(values, old, values.length, Double.NaN);
        }
        values[index - 1] = value;
    }

    /** Parameter {@code index} (from 1) as a number, or NaN. */
    double get(int index) {
        return index < 1 || index > values.length ? Double.NaN : values[index - 1];
    }

    void clear() {
        Arrays.fill(values, Double.NaN);
    }

    /** {@code value} as a double if it is a number, else NaN. */
    static double of(Object value) {
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
