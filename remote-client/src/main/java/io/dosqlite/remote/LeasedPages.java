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
    synchronized void used(long pageNo) {
        if (socket != 0 && (generation == 0 || selective) && pageNo > 0 && pageNo <= Integer.MAX_VALUE && !pages.get((int) pageNo)) {
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

    /**
     * Whether a snapshot of selective generation {@code gen} may use every page of {@code set}
     * without asking (as {@link #usable} for each; one pass over the words, for the pages a
     * connection's SQLite may hold, which grow with every page it read at one version).
     */
    synchronized boolean usableAll(long gen, BitSet set) {
        if (gen == 0) {
            return true;
        }
        if (gen != generation || !selective) {
            return set.isEmpty();
        }
        BitSet rest = (BitSet) set.clone();
        rest.andNot(pages);
        rest.clear(0); // page 0 does not exist
        return rest.isEmpty();
    }

    private void set(long p) {
        if (p > 0 && p <= Integer.MAX_VALUE) {
            pages.set((int) p);
        }
    }
}
