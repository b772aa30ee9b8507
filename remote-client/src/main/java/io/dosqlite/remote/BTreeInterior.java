package io.dosqlite.remote;

/**
 * Reads the child page numbers of a SQLite b-tree interior page (type 0x02 index or 0x05 table;
 * header at offset 100 on page 1): the left child of every cell in order, then the right-most
 * pointer. Used to read ahead in tree order. Lenient: anything malformed gives null.
 */
final class BTreeInterior {

    static final int INTERIOR_INDEX = 0x02;
    static final int INTERIOR_TABLE = 0x05;

    private BTreeInterior() {
    }

    static int headerOffset(long pageNo) {
        return pageNo == 1 ? 100 : 0;
    }

    static boolean isInterior(byte[] page, int off, long pageNo) {
        int h = headerOffset(pageNo);
        int type = page[off + h] & 0xFF;
        return type == INTERIOR_INDEX || type == INTERIOR_TABLE;
    }

    /** Children in key order, or null if the page is not a well-formed interior page. */
    static long[] children(byte[] page, int off, int pageSize, long pageNo, long pageCount) {
        if (!isInterior(page, off, pageNo)) {
            return null;
        }
        int h = headerOffset(pageNo);
        int cells = u16(page, off + h + 3);
        if (h + 12 + 2 * cells > pageSize) {
            return null;
        }
        long[] kids = new long[cells + 1];
        for (int i = 0; i < cells; i++) {
            int cellOff = u16(page, off + h + 12 + 2 * i);
            if (cellOff < h + 12 || cellOff + 4 > pageSize) {
                return null;
            }
            kids[i] = u32(page, off + cellOff);
        }
        kids[cells] = u32(page, off + h + 8);
        for (long k : kids) {
            if (k < 1 || k > pageCount) {
                return null;
            }
        }
        return kids;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static long u32(byte[] b, int p) {
        return PageFrames.getInt(b, p) & 0xFFFF_FFFFL;
    }
}
