package io.dosqlite.vfs;

import java.util.Arrays;
import java.util.TreeMap;

/** Page number (>= 1) → page image; open addressing on primitive keys, so lookups never allocate. */
final class PageMap {
    private long[] keys = new long[64];
    private byte[][] vals = new byte[64][];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    private static int slot(long k, int mask) {
        return (int) ((k * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    byte[] get(long k) {
        if (size == 0) {
            return null;
        }
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (true) {
            long kk = keys[i];
            if (kk == k) {
                return vals[i];
            }
            if (kk == 0) {
                return null;
            }
            i = (i + 1) & mask;
        }
    }

    void put(long k, byte[] v) {
        if ((size + 1) * 2 > keys.length) {
            grow(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != 0 && keys[i] != k) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            size++;
            keys[i] = k;
        }
        vals[i] = v;
    }

    private void grow(int cap) {
        long[] ok = keys;
        byte[][] ov = vals;
        keys = new long[cap];
        vals = new byte[cap][];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != 0) {
                put(ok[i], ov[i]);
            }
        }
    }

    /** Drops every page numbered above maxPage. */
    void truncateAbove(long maxPage) {
        long[] ok = keys;
        byte[][] ov = vals;
        keys = new long[ok.length];
        vals = new byte[ok.length][];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != 0 && ok[i] <= maxPage) {
                put(ok[i], ov[i]);
            }
        }
    }

    void clear() {
        if (keys.length > 4096) {
            keys = new long[64];
            vals = new byte[64][];
        } else {
            Arrays.fill(keys, 0);
            Arrays.fill(vals, null);
        }
        size = 0;
    }

    /** Pages numbered 1..maxPage, sorted. */
    TreeMap<Long, byte[]> sorted(long maxPage) {
        TreeMap<Long, byte[]> m = new TreeMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0 && keys[i] <= maxPage) {
                m.put(keys[i], vals[i]);
            }
        }
        return m;
    }
}
