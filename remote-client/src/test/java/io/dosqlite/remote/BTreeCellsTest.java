package io.dosqlite.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The cell keys range read-ahead reads, on pages laid out as SQLite's file format describes. */
class BTreeCellsTest {
    static final int PS = 4096;

    /** An index leaf page (0x0A) whose cells hold the given records (already encoded). */
    static byte[] indexLeaf(byte[]... records) {
        byte[] page = new byte[PS];
        page[0] = 0x0A;
        put16(page, 3, records.length);
        int end = PS;
        for (int i = 0; i < records.length; i++) {
            byte[] cell = concat(varint(records[i].length), records[i]);
            end -= cell.length;
            System.arraycopy(cell, 0, page, end, cell.length);
            put16(page, 8 + 2 * i, end);
        }
        put16(page, 5, end);
        return page;
    }

    /** A table interior page (0x05): children[i] holds rowids <= keys[i]; the last child the rest. */
    static byte[] tableInterior(long[] children, long[] keys) {
        byte[] page = new byte[PS];
        page[0] = 0x05;
        put16(page, 3, keys.length);
        put32(page, 8, children[children.length - 1]);
        int end = PS;
        for (int i = 0; i < keys.length; i++) {
            byte[] cell = new byte[4];
            put32(cell, 0, children[i]);
            cell = concat(cell, varint(keys[i]));
            end -= cell.length;
            System.arraycopy(cell, 0, page, end, cell.length);
            put16(page, 12 + 2 * i, end);
        }
        return page;
    }

    /** A record of (key as an 8-byte integer, rowid as a 3-byte integer). */
    static byte[] intRecord(long key, long rowid) {
        byte[] r = new byte[3 + 8 + 3];
        r[0] = 3; // header size: itself and two serial types
        r[1] = 6; // 8-byte integer
        r[2] = 3; // 3-byte integer
        for (int k = 0; k < 8; k++) {
            r[3 + k] = (byte) (key >> (56 - 8 * k));
        }
        r[11] = (byte) (rowid >> 16);
        r[12] = (byte) (rowid >> 8);
        r[13] = (byte) rowid;
        return r;
    }

    @Test
    void readsTheNumericKeyAndRowidOfIndexCells() {
        byte[] text = {3, 15, 1, 'x', 7}; // ('x', 7): a text key is no bound to compare with
        byte[] real = new byte[] {3, 7, 1, 0x40, 0x09, 0x21, (byte) 0xFB, 0x54, 0x44, 0x2D, 0x18, 9}; // (3.14159..., 9)
        byte[] page = indexLeaf(intRecord(-5, 70_000), intRecord(1L << 40, 3), text, real);
        assertEquals(4, BTreeCells.count(page, 2));
        assertEquals(-5.0, BTreeCells.indexKey(page, 2, 0));
        assertEquals(70_000L, BTreeCells.indexRowid(page, 2, 0));
        assertEquals((double) (1L << 40), BTreeCells.indexKey(page, 2, 1));
        assertEquals(3L, BTreeCells.indexRowid(page, 2, 1));
        assertTrue(Double.isNaN(BTreeCells.indexKey(page, 2, 2)), "text key");
        assertEquals(7L, BTreeCells.indexRowid(page, 2, 2));
        assertEquals(Math.PI, BTreeCells.indexKey(page, 2, 3), 1e-15);
        assertEquals(9L, BTreeCells.indexRowid(page, 2, 3));
        assertTrue(Double.isNaN(BTreeCells.indexKey(page, 2, 9)), "no such cell");
    }

    @Test
    void readsTheRowidKeysOfTableInteriorCells() {
        byte[] page = tableInterior(new long[] {10, 11, 12}, new long[] {35, 1_000_000});
        assertEquals(35L, BTreeCells.tableKey(page, 3, 0));
        assertEquals(1_000_000L, BTreeCells.tableKey(page, 3, 1));
        assertEquals(BTreeCells.NO_ROWID, BTreeCells.indexRowid(page, 3, 0), "not an index page");
    }

    @Test
    void anOverflowingOrMalformedCellIsNotAKey() {
        byte[] big = new byte[2000];
        big[0] = 2;
        big[1] = (byte) 0x8F; // a text too long to stay on the page: its cell overflows
        byte[] page = indexLeaf(big);
        assertTrue(Double.isNaN(BTreeCells.indexKey(page, 2, 0)));
        assertEquals(BTreeCells.NO_ROWID, BTreeCells.indexRowid(page, 2, 0));
        byte[] broken = indexLeaf(intRecord(1, 2));
        put16(broken, 8, 1); // a cell pointer into the page header
        assertTrue(Double.isNaN(BTreeCells.indexKey(broken, 2, 0)));
    }

    static byte[] varint(long v) {
        if (v < 0x80) {
            return new byte[] {(byte) v};
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 0;
        byte[] tmp = new byte[9];
        while (v != 0 && n < 8) {
            tmp[n++] = (byte) (v & 0x7F);
            v >>>= 7;
        }
        for (int i = n - 1; i >= 0; i--) {
            out.write(i == 0 ? tmp[i] : tmp[i] | 0x80);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static void put16(byte[] b, int p, int v) {
        b[p] = (byte) (v >> 8);
        b[p + 1] = (byte) v;
    }

    static void put32(byte[] b, int p, long v) {
        for (int k = 0; k < 4; k++) {
            b[p + k] = (byte) (v >> (24 - 8 * k));
        }
    }
}
