package io.dosqlite.testsupport.proxy;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Page frames of protocol v1: u32 pageNo | u32 CRC-32C(pageNo bytes + data) | data. */
public final class Frames {
    private Frames() {
    }

    public static int crc(long pageNo, byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(4).putInt((int) pageNo).array());
        c.update(data, off, len);
        return (int) c.getValue();
    }

    public static byte[] frame(long pageNo, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.putInt((int) pageNo).putInt(crc(pageNo, data, 0, data.length)).put(data);
        return b.array();
    }

    /** Frames for pages {@code from..to} (inclusive), each filled with a pattern derived from its number and {@code salt}. */
    public static byte[] pattern(long from, long to, int pageSize, int salt) {
        ByteBuffer b = ByteBuffer.allocate((int) ((to - from + 1) * (8 + pageSize)));
        for (long p = from; p <= to; p++) {
            b.put(frame(p, patternPage(p, pageSize, salt)));
        }
        return b.array();
    }

    public static byte[] patternPage(long p, int pageSize, int salt) {
        byte[] d = new byte[pageSize];
        long x = p * 0x9E3779B97F4A7C15L + salt;
        for (int i = 0; i < pageSize; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            d[i] = (byte) x;
        }
        return d;
    }

    /** Rewrites frame {@code i}'s page number to {@code newNo} with a CRC that is valid for the new number. */
    public static void relabel(byte[] body, int off, int pageSize, long newNo) {
        ByteBuffer b = ByteBuffer.wrap(body);
        b.putInt(off, (int) newNo);
        b.putInt(off + 4, crc(newNo, body, off + 8, pageSize));
    }

    public static long pageNo(byte[] body, int off) {
        return ByteBuffer.wrap(body).getInt(off) & 0xffffffffL;
    }
}
