package io.dosqlite.remote;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The scans one snapshot is running, each followed in its b-tree's key order ({@link LeafOrder}):
 * an index range scan reads index leaves and table leaves in turn, two streams that must not
 * reset each other. A miss that is the next uncached page after where a stream stopped continues
 * it; its read-ahead then starts at {@link #FIRST_WINDOW} pages and grows {@link #GROWTH}-fold per
 * request, so a scan of N leaves costs about log16(N) requests. A miss that continues no stream
 * (a point lookup) starts a new one and fetches nothing extra. When a stream turns out to be a
 * scan, the streams that missed just before it (the index an index range scan walks while it
 * visits the table) are read ahead a little too: their next leaves will be wanted as the scan
 * goes on, and fetching them now saves the round trip the index's next leaf would cost.
 *
 * <p>When the statement is known to scan ({@link RemoteSession#scanHint}: its plan walks a range or a
 * whole b-tree), a miss that continues no stream starts one at once, instead of waiting for the
 * second leaf to show the scan: a table leaf brings {@link #FIRST_WINDOW} leaves, an index leaf
 * 1/{@link #COMPANION_SHARE} of that. A cold range scan then costs the index leaf's request and
 * the table's, not a third one.
 */
final class ScanStreams {

    static final int FIRST_WINDOW = 32;
    static final int GROWTH = 16;
    /** Streams remembered per snapshot (a join or a multi-index query runs a few at once). */
    static final int MAX_STREAMS = 8;
    /** A companion stream is read ahead 1/COMPANION_SHARE of the scan's window (an index entry is ~1/10 of a row). */
    static final int COMPANION_SHARE = 8;
    static final int COMPANION_MIN = 2;
    /** A stream whose last miss is at most this many misses back is a companion of the scan. */
    static final int COMPANION_RECENT = 3;
    /**
     * Cached pages a continuation check looks past: a scan's own read-ahead ends where its next
     * miss begins, so a small bound keeps a miss cheap with many streams over a warm cache.
     */
    static final int CONTINUATION_SKIP = 256;

    private static final class Stream {
        /** The last page of the stream's last request, in key order. */
        long last;
        int window;
        long lastMissSeq;
        /** The page whose miss last started or continued the stream. */
        long missed;
        /** Whether the stream walks an index (else a table). */
        boolean index;

        Stream(long last) {
            this.last = last;
        }
    }

    private final ArrayDeque<Stream> streams = new ArrayDeque<>();
    private long misses;

    /**
     * A miss of {@code pageNo}, whose key order {@code order} knows: the pages to fetch with it
     * (none for a miss that continues no stream), at most {@code maxExtra}.
     */
    long[] onMiss(long pageNo, LeafOrder order, int maxExtra) {
        return onMiss(pageNo, order, maxExtra, ScanHint.NONE);
    }

    /** As {@link #onMiss(long, LeafOrder, int)}, for a statement that says how it reads ({@code hint}). */
    long[] onMiss(long pageNo, LeafOrder order, int maxExtra, ScanHint hint) {
        long seq = ++misses;
        Stream s = continued(pageNo, order);
        if (s == null) {
            s = new Stream(pageNo);
            s.lastMissSeq = seq;
            s.missed = pageNo;
            s.index = hint.scans() && order.inIndex(pageNo);
            streams.addFirst(s);
            if (streams.size() > MAX_STREAMS) {
                streams.removeLast();
            }
            return hint.scans() && maxExtra > 0 ? started(s, order, maxExtra, hint) : new long[0];
        }
        s.missed = pageNo;
        s.window = (int) Math.min(maxExtra, s.window == 0 ? FIRST_WINDOW : (long) s.window * GROWTH);
        long[] extra = order.after(pageNo, s.window);
        s.last = extra.length > 0 ? extra[extra.length - 1] : pageNo;
        long previousMiss = s.lastMissSeq;
        s.lastMissSeq = seq;
        streams.remove(s);
        streams.addFirst(s);
        int room = maxExtra - extra.length;
        for (Stream c : streams) {
            if (c == s || room <= 0 || c.lastMissSeq < Math.min(previousMiss, seq - COMPANION_RECENT)) {
                continue;
            }
            long[] more = order.after(c.last, Math.min(room, Math.max(COMPANION_MIN, s.window / COMPANION_SHARE)));
            if (more.length > 0) {
                c.last = more[more.length - 1];
                extra = concat(extra, more);
                room -= more.length;
            }
        }
        return extra;
    }

    /**
     * The read-ahead of a stream that a scanning statement's first miss starts: with the range's
     * bounds, the leaves it covers (an index range scan's table leaves from the index leaves
     * already cached); without, {@link #FIRST_WINDOW} leaves of a table, fewer of an index.
     */
    private long[] started(Stream s, LeafOrder order, int maxExtra, ScanHint hint) {
        int window = s.index ? FIRST_WINDOW / COMPANION_SHARE : FIRST_WINDOW;
        if (hint.bounded()) {
            if (s.index && !hint.onRowid()) {
                int n = RangeLeaves.indexLeavesAfter(order, s.missed, hint.high());
                window = n >= 0 ? n : window;
            } else if (!s.index && hint.onRowid()) {
                int n = RangeLeaves.tableLeavesAfter(order, s.missed, hint.high());
                window = n >= 0 ? n : window;
            } else if (!s.index) {
                Stream walked = recentIndexStream(s);
                long[] leaves = walked == null ? null
                        : RangeLeaves.tableLeaves(order, s.missed, walked.missed, hint.low(), hint.high(), maxExtra);
                if (leaves != null) {
                    s.window = leaves.length;
                    s.last = leaves.length > 0 ? leaves[leaves.length - 1] : s.missed;
                    return leaves;
                }
            }
        }
        s.window = Math.min(maxExtra, window);
        long[] extra = s.window == 0 ? new long[0] : order.after(s.missed, s.window);
        s.last = extra.length > 0 ? extra[extra.length - 1] : s.missed;
        return extra;
    }

    /** The most recent stream over an index other than {@code s}: the index an index range scan walks. */
    private Stream recentIndexStream(Stream s) {
        for (Stream c : streams) {
            if (c != s && c.index) {
                return c;
            }
        }
        return null;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private Stream continued(long pageNo, LeafOrder order) {
        for (Iterator<Stream> it = streams.iterator(); it.hasNext(); ) {
            Stream s = it.next();
            long[] next = order.after(s.last, 1, CONTINUATION_SKIP);
            if (next.length == 1 && next[0] == pageNo) {
                return s;
            }
        }
        return null;
    }
}
