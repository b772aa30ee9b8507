package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The commit body of {@code /commit?frames=patch} (docs/protocol.md): a page the commit's base
 * version already holds goes as the byte ranges that changed, not as the whole page. A 1-row
 * UPDATE changes a few dozen bytes of a leaf and 8 bytes of page 1, so it sends a few hundred
 * bytes instead of two pages. Each frame: {@code u32 pageNo | u32 crc32c(pageNo ++ new page) |
 * u32 length | length bytes}: the whole page if {@code length == pageSize}, else runs of
 * {@code u16 offset | u16 count | count bytes} applied to the page as of the base version. The
 * checksum is over the resulting page, so a patch applied to the wrong image is refused.
 */
final class PagePatches {

    /** Unchanged bytes between two changes below this are sent rather than starting a new run. */
    private static final int GAP = 8;

    private PagePatches() {
    }

    /**
     * Encodes {@code pages}; {@code base} answers a page's image as of the base version, or null
     * when it is not known here (then the whole page goes).
     */
    static byte[] encode(List<Map.Entry<Long, byte[]>> pages, int pageSize, LongFunction<byte[]> base)
            throws PageStoreException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(pages.size() * 64, 1 << 20));
        byte[] header = new byte[12];
        for (Map.Entry<Long, byte[]> e : pages) {
            long pageNo = e.getKey();
            byte[] now = e.getValue();
            PageFrames.checkPage(pageNo, now, pageSize);
            byte[] was = base.apply(pageNo);
            byte[] patch = was != null && was.length == pageSize ? diff(was, now) : null;
            PageFrames.putInt(header, 0, (int) pageNo);
            PageFrames.putInt(header, 4, PageFrames.crc(pageNo, now, 0, pageSize));
            PageFrames.putInt(header, 8, patch == null ? pageSize : patch.length);
            out.write(header, 0, 12);
            if (patch == null) {
                out.write(now, 0, pageSize);
            } else {
                out.write(patch, 0, patch.length);
            }
        }
        return out.toByteArray();
    }

    /** The runs that turn {@code was} into {@code now}, or null if the whole page is as short. */
    static byte[] diff(byte[] was, byte[] now) {
        int n = now.length;
        ByteArrayOutputStream runs = new ByteArrayOutputStream(64);
        int i = 0;
        while (i < n) {
            int m = Arrays.mismatch(was, i, n, now, i, n);
            if (m < 0) {
                break;
            }
            int start = i + m;
            int last = start;
            int j = start + 1;
            while (j < n && j - last <= GAP) {
                if (was[j] != now[j]) {
                    last = j;
                }
                j++;
            }
            int count = last - start + 1;
            runs.write(start >>> 8);
            runs.write(start);
            runs.write(count >>> 8);
            runs.write(count);
            runs.write(now, start, count);
            if (runs.size() >= n * 3 / 4) {
                return null;
            }
            i = last + 1;
        }
        return runs.toByteArray();
    }
}
