package io.dosqlite.remote;

/**
 * Reads the keys of SQLite b-tree cells, as far as range read-ahead needs them: the rowid of a table
 * interior cell, and of an index cell (leaf 0x0A or interior 0x02) its first column when numeric and
 * its last column (the rowid). Lenient: anything malformed, overflowing or not numeric answers
 * NaN or {@link #NO_ROWID}, and the caller falls back to reading ahead without bounds.
 */
final class BTreeCells {
    static final int LEAF_INDEX = 0x0A;
    static final long NO_ROWID = Long.MIN_VALUE;

    private BTreeCells() {
    }

    static int type(byte[] page, long pageNo) {
        return page[BTreeInterior.headerOffset(pageNo)] & 0xFF;
    }

    static int count(byte[] page, long pageNo) {
        int h = BTreeInterior.headerOffset(pageNo);
        return u16(page, h + 3);
    }

    /** Offset of cell {@code i}, or -1 if it lies outside the page. */
    private static int cellOffset(byte[] page, long pageNo, int i) {
        int type = type(page, pageNo);
        int h = BTreeInterior.headerOffset(pageNo);
        int header = type == BTreeInterior.INTERIOR_INDEX || type == BTreeInterior.INTERIOR_TABLE ? 12 : 8;
        int ptr = h + header + 2 * i;
        if (i < 0 || ptr + 2 > page.length) {
            return -1;
        }
        int off = u16(page, ptr);
        return off < h + header || off >= page.length ? -1 : off;
    }

    /** The rowid key of cell {@code i} of a table interior page, or {@link #NO_ROWID}. */
    static long tableKey(byte[] page, long pageNo, int i) {
        int off = cellOffset(page, pageNo, i);
        if (off < 0 || type(page, pageNo) != BTreeInterior.INTERIOR_TABLE || off + 4 >= page.length) {
            return NO_ROWID;
        }
        long[] v = varint(page, off + 4);
        return v == null ? NO_ROWID : v[0];
    }

    /** The first column of index cell {@code i} as a number, or NaN (text, NULL, malformed). */
    static double indexKey(byte[] page, long pageNo, int i) {
        long[] rec = record(page, pageNo, i);
        if (rec == null) {
            return Double.NaN;
        }
        int start = (int) rec[0];
        long[] t = varint(page, start + (int) rec[1]);
        return t == null ? Double.NaN : number(page, start + (int) rec[2], t[0]);
    }

    /** The last column of index cell {@code i} (the rowid of the table row it indexes), or {@link #NO_ROWID}. */
    static long indexRowid(byte[] page, long pageNo, int i) {
        long[] rec = record(page, pageNo, i);
        if (rec == null) {
            return NO_ROWID;
        }
        int start = (int) rec[0];
        int headerEnd = start + (int) rec[2];
        int p = start + (int) rec[1];
        int body = headerEnd;
        long last = -1;
        int lastAt = -1;
        while (p < headerEnd) {
            long[] t = varint(page, p);
            if (t == null) {
                return NO_ROWID;
            }
            p += (int) t[1];
            last = t[0];
            lastAt = body;
            body += size(t[0]);
        }
        if (last < 1 || last > 6 || body > start + rec[3]) {
            return NO_ROWID;
        }
        return (long) number(page, lastAt, last);
    }

    /**
     * The record of index cell {@code i}: {payload start, width of the header-size varint, header
     * size, payload size}; null if the cell is not an index cell or its payload overflows the page.
     */
    private static long[] record(byte[] page, long pageNo, int i) {
        int type = type(page, pageNo);
        if (type != LEAF_INDEX && type != BTreeInterior.INTERIOR_INDEX) {
            return null;
        }
        int off = cellOffset(page, pageNo, i);
        if (off < 0) {
            return null;
        }
        int p = type == BTreeInterior.INTERIOR_INDEX ? off + 4 : off;
        long[] size = p < page.length ? varint(page, p) : null;
        // the largest payload kept on an index page (else it overflows: give up)
        int maxLocal = (page.length - 12) * 64 / 255 - 23;
        if (size == null || size[0] > maxLocal || p + size[1] + size[0] > page.length) {
            return null;
        }
        int start = p + (int) size[1];
        long[] header = varint(page, start);
        if (header == null || header[0] > size[0] || header[0] < header[1]) {
            return null;
        }
        return new long[] {start, header[1], header[0], size[0]};
    }

    private static int size(long serialType) {
        if (serialType >= 12) {
            return (int) ((serialType - (serialType % 2 == 0 ? 12 : 13)) / 2);
        }
        return switch ((int) serialType) {
            case 1 -> 1;
            case 2 -> 2;
            case 3 -> 3;
            case 4 -> 4;
            case 5 -> 6;
            case 6, 7 -> 8;
            default -> 0;
        };
    }

    private static double number(byte[] page, int at, long serialType) {
        if (serialType == 8) {
            return 0;
        }
        if (serialType == 9) {
            return 1;
        }
        if (serialType < 1 || serialType > 7) {
            return Double.NaN;
        }
        int n = size(serialType);
        if (at < 0 || at + n > page.length) {
            return Double.NaN;
        }
        long v = page[at]; // sign-extended first byte
        for (int k = 1; k < n; k++) {
            v = (v << 8) | (page[at + k] & 0xFF);
        }
        return serialType == 7 ? Double.longBitsToDouble(v) : (double) v;
    }

    /** {value, bytes} of the SQLite varint at {@code p}, or null past the page. */
    static long[] varint(byte[] b, int p) {
        long v = 0;
        for (int k = 0; k < 9; k++) {
            if (p + k >= b.length) {
                return null;
            }
            int c = b[p + k] & 0xFF;
            if (k == 8) {
                return new long[] {(v << 8) | c, 9};
            }
            v = (v << 7) | (c & 0x7F);
            if (c < 0x80) {
                return new long[] {v, k + 1};
            }
        }
        return null;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }
}
