package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;

import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The binary page frame of protocol v1: {@code u32 pageNo | u32 crc32c(pageNo BE ++ data) | data}.
 * Encoding for commits and stage uploads; decoding (with checksum and page-number verification)
 * for every page body received.
 */
final class PageFrames {

    static final int HEADER = 8;

    private PageFrames() {
    }

    /** CRC-32C over the 4 big-endian bytes of {@code pageNo} followed by the page data. */
    static int crc(long pageNo, byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(new byte[] {(byte) (pageNo >>> 24), (byte) (pageNo >>> 16), (byte) (pageNo >>> 8), (byte) pageNo});
        c.update(data, off, len);
        return (int) c.getValue();
    }

    static int frameSize(int pageSize) {
        return HEADER + pageSize;
    }

    /** Encodes {@code pages} (each exactly {@code pageSize} bytes) as frames back to back. */
    static byte[] encode(List<Map.Entry<Long, byte[]>> pages, int pageSize) throws PageStoreException {
        byte[] out = new byte[Math.multiplyExact(pages.size(), frameSize(pageSize))];
        int pos = 0;
        for (Map.Entry<Long, byte[]> e : pages) {
            long pageNo = e.getKey();
            byte[] data = e.getValue();
            checkPage(pageNo, data, pageSize);
            putInt(out, pos, (int) pageNo);
            putInt(out, pos + 4, crc(pageNo, data, 0, pageSize));
            System.arraycopy(data, 0, out, pos + HEADER, pageSize);
            pos += frameSize(pageSize);
        }
        return out;
    }

    /** A page a commit may carry: a 32-bit page number >= 1 and exactly {@code pageSize} bytes. */
    static void checkPage(long pageNo, byte[] data, int pageSize) throws PageStoreException {
        if (pageNo < 1 || pageNo > 0xFFFF_FFFFL) {
            throw new PageStoreException(PageStoreException.Kind.INVALID, "page number out of range: " + pageNo);
        }
        if (data == null || data.length != pageSize) {
            throw new PageStoreException(PageStoreException.Kind.INVALID, "page " + pageNo + " has "
                    + (data == null ? "no data" : data.length + " bytes") + ", expected the page size " + pageSize);
        }
    }

    /**
     * Decodes and verifies a page body. If {@code expected} is non-null the frames must carry
     * exactly those page numbers in that order. Any mismatch, bad length or bad checksum is
     * {@link PageStoreException.Kind#CORRUPT}; nothing of a bad body is returned.
     */
    static Decoded decode(byte[] body, int pageSize, long[] expected) throws PageStoreException {
        return decode(body, pageSize, expected, 0);
    }

    /** As {@link #decode(byte[], int, long[])}, with {@code extra} more pages after the expected ones. */
    static Decoded decode(byte[] body, int pageSize, long[] expected, int extra) throws PageStoreException {
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw corrupt("page size " + pageSize + " in the response is not a valid SQLite page size");
        }
        int fs = frameSize(pageSize);
        if (body.length % fs != 0) {
            throw corrupt("page body of " + body.length + " bytes is not a whole number of " + fs + "-byte frames");
        }
        int n = body.length / fs;
        if (expected != null && expected.length + extra != n) {
            throw corrupt("asked for " + expected.length + " pages" + (extra > 0 ? " (+" + extra + " overflow pages)" : "")
                    + ", the server sent " + n);
        }
        long[] pageNos = new long[n];
        byte[][] pages = new byte[n][];
        for (int i = 0; i < n; i++) {
            int pos = i * fs;
            long pageNo = getInt(body, pos) & 0xFFFF_FFFFL;
            int crc = getInt(body, pos + 4);
            if (expected != null && i < expected.length && expected[i] != pageNo) {
                throw corrupt("frame " + i + " carries page " + pageNo + ", expected page " + expected[i]);
            }
            if (pageNo == 0) {
                throw corrupt("frame " + i + " carries page number 0");
            }
            if (crc(pageNo, body, pos + HEADER, pageSize) != crc) {
                throw corrupt("page " + pageNo + " failed its CRC-32C check (damaged in transit or in storage)");
            }
            byte[] data = new byte[pageSize];
            System.arraycopy(body, pos + HEADER, data, 0, pageSize);
            pageNos[i] = pageNo;
            pages[i] = data;
        }
        return new Decoded(pageNos, pages);
    }

    /** Verified pages, in body order. */
    record Decoded(long[] pageNos, byte[][] pages) {
        int size() {
            return pageNos.length;
        }
    }

    private static PageStoreException corrupt(String msg) {
        return new PageStoreException(PageStoreException.Kind.CORRUPT, msg);
    }

    static void putInt(byte[] b, int pos, int v) {
        b[pos] = (byte) (v >>> 24);
        b[pos + 1] = (byte) (v >>> 16);
        b[pos + 2] = (byte) (v >>> 8);
        b[pos + 3] = (byte) v;
    }

    static int getInt(byte[] b, int pos) {
        return ((b[pos] & 0xFF) << 24) | ((b[pos + 1] & 0xFF) << 16) | ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
    }
}
