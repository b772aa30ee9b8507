package io.dosqlite.remote;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BTreeInteriorTest {

    /** An interior table page with the given children (last one = right-most pointer). */
    static byte[] interior(int pageSize, long pageNo, long... children) {
        byte[] b = new byte[pageSize];
        int h = BTreeInterior.headerOffset(pageNo);
        b[h] = 0x05;
        int cells = children.length - 1;
        b[h + 3] = (byte) (cells >>> 8);
        b[h + 4] = (byte) cells;
        PageFrames.putInt(b, h + 8, (int) children[cells]);
        int cellArea = pageSize;
        for (int i = 0; i < cells; i++) {
            cellArea -= 8; // 4-byte child + a small varint key
            b[h + 12 + 2 * i] = (byte) (cellArea >>> 8);
            b[h + 13 + 2 * i] = (byte) cellArea;
            PageFrames.putInt(b, cellArea, (int) children[i]);
            b[cellArea + 4] = (byte) (i + 1);
        }
        return b;
    }

    @Test
    void parsesChildrenInOrder() {
        byte[] p = interior(4096, 2, 10, 12, 14, 99);
        assertArrayEquals(new long[] {10, 12, 14, 99}, BTreeInterior.children(p, 0, 4096, 2, 100));
        byte[] one = interior(4096, 1, 3, 4);
        assertArrayEquals(new long[] {3, 4}, BTreeInterior.children(one, 0, 4096, 1, 100));
    }

    @Test
    void nonInteriorOrMalformedGivesNull() {
        byte[] leaf = new byte[512];
        leaf[0] = 0x0D;
        assertNull(BTreeInterior.children(leaf, 0, 512, 2, 10));
        byte[] p = interior(512, 2, 3, 400);
        assertNull(BTreeInterior.children(p, 0, 512, 2, 10), "child beyond page count");
        byte[] q = interior(512, 2, 3, 4);
        q[3] = (byte) 0xFF; // absurd cell count
        assertNull(BTreeInterior.children(q, 0, 512, 2, 10));
    }
}
