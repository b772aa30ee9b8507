package io.dosqlite.remote;

import java.util.BitSet;

/**
 * The pages the server has recorded as cached by this store for its open push-channel socket
 * (docs/protocol.md, "Waits only for holders of changed pages"). A server that says so
 * ({@code waitsFor: "cached"}) makes a commit wait only for the holders that may cache a page it
 * changes, so this store may trust, without asking, only what the server knows it has: pages it
 * was served or pushed on this socket, wrote, or listed on a lease request. Anything else in the
 * cache is read again (once) before a transaction of this socket's generation uses it.
 *
 * <p>A generation is the number of a socket on which a lease was granted (0: none). Snapshots keep
 * the generation they began in, and it is part of their lineage, so SQLite's own page cache, which
 * is not asked again while the change counter stays the same, starts afresh in each generation.
 */
final class LeasedPages {
    private final BitSet pages = new BitSet();
    /** The socket whose recorded pages {@link #pages} holds (its number), or 0. */
    private long socket;
    private long generation;
    private boolean selective;

    /** A new socket is opening: what earlier sockets were served is not recorded for it. */
    synchronized void opening(long socketNo) {
        socket = socketNo;
        generation = 0;
        selective = false;
        pages.clear();
    }

    /** The socket is gone. */
    synchronized void lost() {
        socket = 0;
        generation = 0;
        selective = false;
        pages.clear();
    }

    /** A lease was granted on socket {@code socketNo}; {@code waitsForCached}: the server waits only for holders of changed pages. */
    synchronized void granted(long socketNo, boolean waitsForCached) {
        if (socketNo == socket) {
            generation = socketNo;
            selective = waitsForCached;
        }
    }

    /** The server recorded {@code pageNos} for the socket named {@code socketName} (a number). */
    synchronized void recorded(String socketName, long[] pageNos, int count) {
        if (socketName == null || socket == 0 || !socketName.equals(Long.toString(socket))) {
            return;
        }
        for (int i = 0; i < count; i++) {
            set(pageNos[i]);
        }
    }

    /** As {@link #recorded(String, long[], int)} for the open socket itself (pushes, lease lists). */
    synchronized void recorded(long socketNo, BitSet pageNos) {
        if (socketNo == socket) {
            pages.or(pageNos);
        }
    }

    synchronized void recorded(long socketNo, long[] pageNos) {
        if (socketNo == socket) {
            for (long p : pageNos) {
                set(p);
            }
        }
    }

    /**
     * The generation a snapshot starting now belongs to when the server waits only for holders
     * of changed pages (then what it reads without asking is restricted), else 0.
     */
    synchronized long selectiveGeneration() {
        return selective ? generation : 0;
    }

    /** The generation now (0: no lease granted on the open socket), for lineages. */
    synchronized long generation() {
        return generation;
    }

    /**
     * Whether a snapshot of selective generation {@code gen} (0: none) may use a cached image of
     * {@code pageNo} without asking: only a page recorded in that generation, so not at all once
     * the generation ended (its record is gone with its socket).
     */
    synchronized boolean usable(long gen, long pageNo) {
        if (gen == 0) {
            return true;
        }
        return gen == generation && selective && pageNo > 0 && pageNo <= Integer.MAX_VALUE && pages.get((int) pageNo);
    }

    /** Page numbers as ranges {@code 1-5,9}, or null past {@code maxChars}. */
    static String ranges(BitSet pages, int maxChars) {
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

    private void set(long p) {
        if (p > 0 && p <= Integer.MAX_VALUE) {
            pages.set((int) p);
        }
    }
}
