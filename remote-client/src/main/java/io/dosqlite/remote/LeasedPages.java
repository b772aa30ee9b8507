package io.dosqlite.remote;

import java.util.BitSet;

/**
 * The pages the server has recorded as cached by this store for its open push-channel socket
 * (docs/protocol.md, "Waits only for holders of changed pages"). A server that says so
 * ({@code waitsFor: "cached"}) makes a commit wait only for the holders that may cache a page it
 * changes, so this store may trust, without asking, only what the server knows it has: pages it
 * was served or pushed on this socket, wrote, or listed (a lease request, a {@code cache}
 * message). A transaction that began on the lease and has not proven its version yet reads any
 * other cached page only through a proving fetch; a page a transaction used is then asked to be
 * recorded ({@link #used}, {@link #flushUsed()}), so the next ones trust it.
 *
 * <p>A page both this store and others write may be <em>unrecorded</em> by the server (hot, see
 * {@link #unrecorded}): its new images still come, but nothing waits for this store on it, so only
 * a write, whose commit the server checks page by page, reads it without asking.
 *
 * <p>A generation is the number of a socket on which a lease was granted (0: none). Snapshots keep
 * the generation they began in, and it is part of their lineage, so SQLite's own page cache, which
 * is not asked again while the change counter stays the same, starts afresh in each generation.
 */
final class LeasedPages {
    private final BitSet pages = new BitSet();
    /** Cached pages not recorded at the server that transactions used: to be recorded (see {@link #flushUsed()}). */
    private final BitSet used = new BitSet();
    /** Pages asked to be recorded, not answered yet (see {@link #awaitRecorded}). */
    private final BitSet inFlight = new BitSet();
    /** Pages the server stopped recording for this socket (see {@link #unrecorded}); a fetch or a list records them again. */
    private final BitSet hot = new BitSet();
    /** How many {@link #unrecorded} messages came, and the count when each hot page last came in one. */
    private long unrecords;
    private final java.util.Map<Integer, Long> unrecordedAt = new java.util.HashMap<>();
    /** Sends pages to be recorded on the open socket (set by the lease channel). */
    private volatile java.util.function.Predicate<BitSet> sender;
    /** The socket whose recorded pages {@link #pages} holds (its number), or 0. */
    private long socket;
    private long generation;
    private boolean selective;

    /** A new socket is opening: what earlier sockets were served is not recorded for it. */
    synchronized void opening(long socketNo) {
        startOver(socketNo);
    }

    /** The socket is gone. */
    synchronized void lost() {
        startOver(0);
    }

    private void startOver(long socketNo) {
        socket = socketNo;
        generation = 0;
        selective = false;
        pages.clear();
        used.clear();
        inFlight.clear();
        hot.clear();
        unrecordedAt.clear();
        notifyAll();
    }

    void sendUsedWith(java.util.function.Predicate<BitSet> s) {
        this.sender = s;
    }

    /**
     * A transaction used a cached page: if the server has not recorded it (a read-ahead guess, or
     * a page cached before the socket), it is asked to, so that later transactions on the lease
     * trust it without a fetch. (The transaction itself was proven, or began before the lease.)
     */
    synchronized void used(long pageNo, boolean byWrite) {
        if (socket != 0 && (generation == 0 || selective) && pageNo > 0 && pageNo <= Integer.MAX_VALUE && !pages.get((int) pageNo)
                // a hot page a write uses stays unrecorded (recorded, it would hold others' commits back
                // again); one a read uses is recorded again, so reads go back to the lease
                && !(byWrite && hot.get((int) pageNo))) {
            used.set((int) pageNo);
        }
    }

    /** Sends the pages {@link #used} collected (one push-channel message; recorded once the server answers). */
    void flushUsed() {
        BitSet b;
        java.util.function.Predicate<BitSet> s = sender;
        synchronized (this) {
            if (used.isEmpty() || s == null || !selective) {
                return; // before the grant: kept until it says the server records them
            }
            b = (BitSet) used.clone();
            used.clear();
            inFlight.or(b);
        }
        if (!s.test(b)) {
            synchronized (this) {
                inFlight.andNot(b);
                notifyAll();
            }
        }
    }

    /**
     * Waits, at most {@code timeoutNanos}, until none of the pages {@code which} selects (among
     * those asked to be recorded) is still unanswered: the next transaction after the one that
     * used them trusts them without a fetch once the answer is in. True if nothing is pending.
     */
    synchronized boolean awaitRecorded(java.util.function.LongPredicate which, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            boolean pending = false;
            for (int p = inFlight.nextSetBit(0); p >= 0 && !pending; p = p == Integer.MAX_VALUE ? -1 : inFlight.nextSetBit(p + 1)) {
                pending = which.test(p) && !pages.get(p);
            }
            long left = deadline - System.nanoTime();
            if (!pending) {
                return true;
            }
            if (left <= 0) {
                return false;
            }
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** A lease was granted on socket {@code socketNo}; {@code waitsForCached}: the server waits only for holders of changed pages. */
    synchronized void granted(long socketNo, boolean waitsForCached) {
        if (socketNo == socket) {
            generation = socketNo;
            selective = waitsForCached;
            if (!selective) {
                used.clear(); // a server that waits for every holder records nothing of this
            }
        }
    }

    /** Taken before a fetch is sent, for {@link #recorded(String, long[], int, long)}. */
    synchronized long mark() {
        return unrecords;
    }

    /**
     * The server recorded {@code pageNos} for the socket named {@code socketName} (a number): served
     * to it by a fetch sent at {@code mark}. A page unrecorded since then stays unrecorded: the server
     * may have unrecorded it after recording it for this fetch (the answer and the push channel race).
     */
    synchronized void recorded(String socketName, long[] pageNos, int count, long mark) {
        if (socketName == null || socket == 0 || !socketName.equals(Long.toString(socket))) {
            return;
        }
        for (int i = 0; i < count; i++) {
            long p = pageNos[i];
            if (p <= 0 || p > Integer.MAX_VALUE) {
                continue;
            }
            Long at = unrecordedAt.get((int) p);
            if (at != null && at > mark) {
                continue;
            }
            set(p);
            clearHot(p);
        }
    }

    /**
     * This store's commit wrote {@code pageNos} and the server recorded them for the socket named
     * {@code socketName}, except the hot ones (it writes them without recording them).
     */
    synchronized void wrote(String socketName, long[] pageNos) {
        if (socketName != null && socket != 0 && socketName.equals(Long.toString(socket))) {
            pushed(socket, pageNos);
        }
    }

    /**
     * The server stopped recording {@code pageNos} for socket {@code socketNo}: others write them
     * while this store does too. Told in an invalidation the server waits for, so no later version
     * changing them is seen before this store stopped trusting them; its images keep coming.
     */
    synchronized void unrecorded(long socketNo, long[] pageNos) {
        if (socketNo != socket) {
            return;
        }
        unrecords++;
        for (long p : pageNos) {
            if (p > 0 && p <= Integer.MAX_VALUE) {
                pages.clear((int) p);
                used.clear((int) p);
                hot.set((int) p);
                unrecordedAt.put((int) p, unrecords);
            }
        }
    }

    /**
     * Whether any page of {@code held} (what a connection's SQLite may hold) is hot: a version the
     * server answered without waiting for this store may have changed it, and SQLite would use its
     * copy without asking, so a read there does not start on the lease (see RemotePageStore).
     */
    synchronized boolean anyHot(BitSet held) {
        return !hot.isEmpty() && held.intersects(hot);
    }

    /** Whether the server unrecorded {@code pageNo} for the open socket (see {@link #unrecorded}). */
    synchronized boolean hot(long pageNo) {
        return pageNo > 0 && pageNo <= Integer.MAX_VALUE && hot.get((int) pageNo);
    }

    /** Removes hot pages from {@code list} (a lease request's: listing one would record it again). */
    synchronized void removeHot(long socketNo, BitSet list) {
        if (socketNo == socket) {
            list.andNot(hot);
        }
    }

    /** As {@link #recorded(String, long[], int)} for the open socket itself (pushes, lease lists). */
    synchronized void recorded(long socketNo, BitSet pageNos) {
        if (socketNo == socket) {
            pages.or(pageNos);
            hot.andNot(pageNos);
            unrecordedAt.keySet().removeIf(pageNos::get);
            inFlight.andNot(pageNos);
            notifyAll();
        }
    }

    /** Adds the pages recorded for socket {@code socketNo} to {@code into} (a lease request lists them again). */
    synchronized void addRecorded(long socketNo, BitSet into) {
        if (socketNo == socket) {
            into.or(pages);
        }
    }

    /** Pages asked to be recorded that will not be trusted (see LeaseChannel#cached): nothing to wait for. */
    synchronized void notRecorded(BitSet pageNos) {
        inFlight.andNot(pageNos);
        notifyAll();
    }

    /** Pages pushed to (or written by) the open socket's store: the server recorded them unless hot. */
    synchronized void pushed(long socketNo, long[] pageNos) {
        if (socketNo == socket) {
            for (long p : pageNos) {
                if (!hot(p)) {
                    set(p);
                }
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

    /**
     * Whether a snapshot of selective generation {@code gen} may use every page of {@code set}
     * without asking (as {@link #usable} for each; one pass over the words, for the pages a
     * connection's SQLite may hold, which grow with every page it read at one version).
     */
    synchronized boolean usableAll(long gen, BitSet set, boolean orHot) {
        if (gen == 0) {
            return true;
        }
        if (gen != generation || !selective) {
            return set.isEmpty();
        }
        BitSet rest = (BitSet) set.clone();
        rest.andNot(pages);
        if (orHot) {
            rest.andNot(hot);
        }
        rest.clear(0); // page 0 does not exist
        return rest.isEmpty();
    }

    private void clearHot(long p) {
        if (p > 0 && p <= Integer.MAX_VALUE && hot.get((int) p)) {
            hot.clear((int) p);
            unrecordedAt.remove((int) p);
        }
    }

    private void set(long p) {
        if (p > 0 && p <= Integer.MAX_VALUE) {
            pages.set((int) p);
        }
    }
}
