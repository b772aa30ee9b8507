package io.dosqlite.remote;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The diff of the patch format: applying its runs to the old image must give the new one exactly. */
class PagePatchesTest {

    /** An applier written from the protocol text, independent of the encoder. */
    static byte[] apply(byte[] was, byte[] runs) {
        byte[] r = was.clone();
        int p = 0;
        while (p < runs.length) {
            int at = ((runs[p] & 0xFF) << 8) | (runs[p + 1] & 0xFF);
            int count = ((runs[p + 2] & 0xFF) << 8) | (runs[p + 3] & 0xFF);
            assertTrue(count > 0 && at + count <= was.length, "run inside the page");
            System.arraycopy(runs, p + 4, r, at, count);
            p += 4 + count;
        }
        return r;
    }

    @Test
    void randomEditsRoundTrip() {
        Random rnd = new Random(42);
        for (int size : new int[] {512, 4096, 65536}) {
            for (int trial = 0; trial < 200; trial++) {
                byte[] was = new byte[size];
                rnd.nextBytes(was);
                byte[] now = was.clone();
                int edits = rnd.nextInt(20);
                for (int e = 0; e < edits; e++) {
                    int at = rnd.nextInt(size);
                    int len = Math.min(size - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 200));
                    for (int i = at; i < at + len; i++) {
                        now[i] = (byte) rnd.nextInt(256);
                    }
                }
                byte[] runs = PagePatches.diff(was, now);
                if (runs == null) {
                    continue; // as long as the whole page: sent whole
                }
                assertArrayEquals(now, apply(was, runs), "size " + size + " trial " + trial);
                assertTrue(runs.length < size * 3 / 4);
            }
        }
    }

    @Test
    void sizeFollowsTheChange() {
        byte[] was = new byte[4096];
        new Random(1).nextBytes(was);
        assertEquals(0, PagePatches.diff(was, was.clone()).length, "no change, no runs");
        byte[] now = was.clone();
        now[24]++;
        now[4095]++;
        byte[] runs = PagePatches.diff(was, now);
        assertEquals(2 * (4 + 1), runs.length, "two one-byte runs");
        assertArrayEquals(now, apply(was, runs));
        byte[] other = new byte[4096];
        new Random(2).nextBytes(other);
        assertNull(PagePatches.diff(was, other), "a different page goes whole");
    }
}
