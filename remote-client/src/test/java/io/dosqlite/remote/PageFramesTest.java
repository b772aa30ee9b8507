package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

class PageFramesTest {

    static byte[] page(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Test
    void roundTripAndLayout() throws Exception {
        byte[] p3 = page(512, 3), p9 = page(512, 9);
        byte[] body = PageFrames.encode(List.of(Map.entry(3L, p3), Map.entry(9L, p9)), 512);
        assertEquals(2 * 520, body.length);
        assertEquals(3, PageFrames.getInt(body, 0));
        CRC32C c = new CRC32C();
        c.update(new byte[] {0, 0, 0, 3});
        c.update(p3);
        assertEquals((int) c.getValue(), PageFrames.getInt(body, 4));
        PageFrames.Decoded d = PageFrames.decode(body, 512, new long[] {3, 9});
        assertArrayEquals(new long[] {3, 9}, d.pageNos());
        assertArrayEquals(p3, d.pages()[0]);
        assertArrayEquals(p9, d.pages()[1]);
    }

    @Test
    void knownCrcVector() {
        // CRC-32C("123456789") = 0xE3069283; here over pageNo bytes + data, checked against CRC32C directly
        byte[] data = "123456789".getBytes();
        CRC32C c = new CRC32C();
        c.update(data);
        assertEquals(0xE3069283, (int) c.getValue());
    }

    @Test
    void flippedDataByteIsCorrupt() throws Exception {
        byte[] body = PageFrames.encode(List.of(Map.entry(1L, page(1024, 1))), 1024);
        body[500] ^= 0x01;
        PageStoreException e = assertThrows(PageStoreException.class, () -> PageFrames.decode(body, 1024, new long[] {1}));
        assertEquals(PageStoreException.Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("CRC"), e.getMessage());
    }

    @Test
    void pageServedUnderWrongNumberIsCorrupt() throws Exception {
        byte[] body = PageFrames.encode(List.of(Map.entry(5L, page(512, 5))), 512);
        // same data and crc, but relabelled as page 6: the crc covers the page number
        PageFrames.putInt(body, 0, 6);
        assertEquals(PageStoreException.Kind.CORRUPT,
                assertThrows(PageStoreException.class, () -> PageFrames.decode(body, 512, null)).kind());
        // and a frame for another page than asked
        byte[] ok = PageFrames.encode(List.of(Map.entry(5L, page(512, 5))), 512);
        assertEquals(PageStoreException.Kind.CORRUPT,
                assertThrows(PageStoreException.class, () -> PageFrames.decode(ok, 512, new long[] {4})).kind());
    }

    @Test
    void truncatedOrMiscountedBodyIsCorrupt() throws Exception {
        byte[] body = PageFrames.encode(List.of(Map.entry(1L, page(512, 1)), Map.entry(2L, page(512, 2))), 512);
        byte[] cut = java.util.Arrays.copyOf(body, body.length - 1);
        assertEquals(PageStoreException.Kind.CORRUPT,
                assertThrows(PageStoreException.class, () -> PageFrames.decode(cut, 512, null)).kind());
        assertEquals(PageStoreException.Kind.CORRUPT,
                assertThrows(PageStoreException.class, () -> PageFrames.decode(body, 512, new long[] {1, 2, 3})).kind());
        assertEquals(PageStoreException.Kind.CORRUPT,
                assertThrows(PageStoreException.class, () -> PageFrames.decode(body, 1000, null)).kind());
    }

    @Test
    void encodeRejectsWrongSizes() {
        assertEquals(PageStoreException.Kind.INVALID, assertThrows(PageStoreException.class,
                () -> PageFrames.encode(List.of(Map.entry(1L, new byte[100])), 512)).kind());
        assertEquals(PageStoreException.Kind.INVALID, assertThrows(PageStoreException.class,
                () -> PageFrames.encode(List.of(Map.entry(0L, new byte[512])), 512)).kind());
    }
}
