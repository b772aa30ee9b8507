package io.dosqlite.vfs;

import java.util.HashMap;
import java.util.Map;

/**
 * Maps the address of each {@code sqlite3_file} SQLite hands us to its Java object. Reads are
 * lock-free and allocation-free (an immutable open-addressing table swapped on open/close).
 */
final class FileTable {
    private static final Map<Long, OpenFile> MASTER = new HashMap<>();
    private static volatile Table table = new Table(16);

    private FileTable() {}

    private static final class Table {
        final long[] keys;
        final OpenFile[] vals;
        final int mask;

        Table(int cap) {
            keys = new long[cap];
            vals = new OpenFile[cap];
            mask = cap - 1;
        }
    }

    private static int slot(long addr, int mask) {
        long h = addr * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    static OpenFile get(long addr) {
        Table t = table;
        int i = slot(addr, t.mask);
        while (true) {
            long k = t.keys[i];
            if (k == addr) {
                return t.vals[i];
            }
            if (k == 0) {
                throw new IllegalStateException("dosqlite: unknown sqlite3_file 0x" + Long.toHexString(addr));
            }
            i = (i + 1) & t.mask;
        }
    }

    static synchronized void put(long addr, OpenFile f) {
        MASTER.put(addr, f);
        rebuild();
    }

    static synchronized OpenFile remove(long addr) {
        OpenFile f = get(addr);
        MASTER.remove(addr);
        rebuild();
        return f;
    }

    private static void rebuild() {
        int cap = 16;
        while (cap < MASTER.size() * 4) {
            cap <<= 1;
        }
        Table t = new Table(cap);
        for (Map.Entry<Long, OpenFile> e : MASTER.entrySet()) {
            long k = e.getKey();
            int i = slot(k, t.mask);
            while (t.keys[i] != 0) {
                i = (i + 1) & t.mask;
            }
            t.keys[i] = k;
            t.vals[i] = e.getValue();
        }
        table = t;
    }
}
