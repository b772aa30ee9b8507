package io.dosqlite.vfs;

import java.util.Arrays;

/** A growable in-memory file: rollback journals, temp databases, sub- and statement journals. */
final class MemFile {
    private byte[] data = new byte[0];
    private long size;

    synchronized long size() {
        return size;
    }

    /** Copies up to len bytes at off into dst; returns the number of bytes available (the rest is the caller's to zero). */
    synchronized int read(long off, byte[] dst, int len) {
        if (off >= size) {
            return 0;
        }
        int n = (int) Math.min(len, size - off);
        System.arraycopy(data, (int) off, dst, 0, n);
        return n;
    }

    synchronized void write(long off, byte[] src, int len) {
        long end = off + len;
        if (end > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("in-memory file larger than 2 GiB");
        }
        if (end > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, (long) data.length * 2 + 4096)));
        }
        if (off > size) {
            Arrays.fill(data, (int) size, (int) off, (byte) 0);
        }
        System.arraycopy(src, 0, data, (int) off, len);
        if (end > size) {
            size = end;
        }
    }

    synchronized void truncate(long newSize) {
        if (newSize < size) {
            size = newSize;
            if (data.length > 1 << 20 && newSize < data.length / 4) {
                data = Arrays.copyOf(data, (int) Math.max(newSize, 4096));
            }
        } else if (newSize > size) {
            write(newSize, new byte[0], 0);
        }
    }
}
