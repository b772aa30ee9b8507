package io.dosqlite.remote;

/**
 * What a connection's statement tells the page store about how it will read (see
 * {@link RemoteSession#scanHint(ScanHint)}): nothing (a point lookup, or unknown), a scan, or a scan
 * of a numeric key range, whose bounds let the store fetch exactly the leaves the range covers.
 * Only a hint: it changes how much read-ahead fetches, never what a read returns.
 */
public final class ScanHint {
    /** No hint: read-ahead waits for a second leaf to show a scan. */
    public static final ScanHint NONE = new ScanHint(false, false, Double.NaN, Double.NaN);
    private static final ScanHint SCAN = new ScanHint(true, false, Double.NaN, Double.NaN);

    private final boolean scans;
    private final boolean onRowid;
    private final double low;
    private final double high;

    private ScanHint(boolean scans, boolean onRowid, double low, double high) {
        this.scans = scans;
        this.onRowid = onRowid;
        this.low = low;
        this.high = high;
    }

    /** The statement walks a whole b-tree or a range whose bounds are not known. */
    public static ScanHint scan() {
        return SCAN;
    }

    /**
     * The statement walks the keys from {@code low} to {@code high} (inclusive; infinite for an
     * open end) of one index's first column, or of the table's rowids when {@code onRowid}. A bound
     * that is not a number, or an empty range: {@link #NONE} (without bounds, a range's first
     * leaves look like a lookup's, which must not pay for read-ahead).
     */
    public static ScanHint range(double low, double high, boolean onRowid) {
        if (Double.isNaN(low) || Double.isNaN(high) || low > high) {
            return NONE;
        }
        return new ScanHint(true, onRowid, low, high);
    }

    boolean scans() {
        return scans;
    }

    /** Whether the bounds are known. */
    boolean bounded() {
        return scans && !Double.isNaN(low);
    }

    boolean onRowid() {
        return onRowid;
    }

    double low() {
        return low;
    }

    double high() {
        return high;
    }

    @Override
    public String toString() {
        return !scans ? "no scan" : !bounded() ? "scan" : "range [" + low + ", " + high + "]" + (onRowid ? " of rowids" : "");
    }
}
