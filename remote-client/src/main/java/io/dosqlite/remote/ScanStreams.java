package io.dosqlite.remote;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The scans one snapshot is running, each followed in its b-tree's key order ({@link LeafOrder}):
 * an index range scan reads index leaves and table leaves in turn, two streams that must not
 * reset each other. A miss that is the next uncached page after where a stream stopped continues
 * it; its read-ahead then starts at {@link #FIRST_WINDOW} pages and grows {@link #GROWTH}-fold per
 * request, so a scan of N leaves costs about log16(N) requests. A miss that continues no stream
 * (a point lookup) starts a new one and fetches nothing extra.
 */
final class ScanStreams {

    static final int FIRST_WINDOW = 32;
    static final int GROWTH = 16;
    /** Streams remembered per snapshot (a join or a multi-index query runs a few at once). */
    static final int MAX_STREAMS = 8;

    private static final class Stream {
        /** The last page of the stream's last request, in key order. */
        long last;
        int window;

        Stream(long last) {
            this.last = last;
        }
    }

    private final ArrayDeque<Stream> streams = new ArrayDeque<>();

    /**
     * A miss of {@code pageNo}, whose key order {@code order} knows: the pages to fetch with it
     * (none for a miss that continues no stream), at most {@code maxExtra}.
     */
    long[] onMiss(long pageNo, LeafOrder order, int maxExtra) {
        Stream s = continued(pageNo, order);
        if (s == null) {
            s = new Stream(pageNo);
            streams.addFirst(s);
            if (streams.size() > MAX_STREAMS) {
                streams.removeLast();
            }
            return new long[0];
        }
        s.window = (int) Math.min(maxExtra, s.window == 0 ? FIRST_WINDOW : (long) s.window * GROWTH);
        long[] extra = order.after(pageNo, s.window);
        s.last = extra.length > 0 ? extra[extra.length - 1] : pageNo;
        streams.remove(s);
        streams.addFirst(s);
        return extra;
    }

    private Stream continued(long pageNo, LeafOrder order) {
        for (Iterator<Stream> it = streams.iterator(); it.hasNext(); ) {
            Stream s = it.next();
            long[] next = order.after(s.last, 1);
            if (next.length == 1 && next[0] == pageNo) {
                return s;
            }
        }
        return null;
    }
}
