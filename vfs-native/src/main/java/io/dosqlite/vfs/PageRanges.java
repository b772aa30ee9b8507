package io.dosqlite.vfs;

import java.util.BitSet;

/**
 * Page numbers written as the page API reads them: ascending ranges {@code 1-5,9,12-14}. Read
 * sets sent with commits and reads, and the pages a lease holder lists as cached, use this form.
 */
public final class PageRanges {
    private PageRanges() {
    }

    /**
     * The set's page numbers (bit indexes) as ranges, or null once the text would pass
     * {@code maxChars} (a caller then sends something coarser instead).
     */
    public static String format(BitSet pages, int maxChars) {
        StringBuilder sb = new StringBuilder();
        for (int lo = pages.nextSetBit(0); lo >= 0; ) {
            int hi = pages.nextClearBit(lo) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(lo);
            if (hi > lo) {
                sb.append('-').append(hi);
            }
            if (sb.length() > maxChars) {
                return null;
            }
            lo = hi == Integer.MAX_VALUE ? -1 : pages.nextSetBit(hi + 1);
        }
        return sb.toString();
    }
}
