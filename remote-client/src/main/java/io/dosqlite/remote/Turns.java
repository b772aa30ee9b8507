package io.dosqlite.remote;

import java.util.concurrent.TimeUnit;

/**
 * Turns on a page that writers of several JVMs fight over (true conflicts). Without them, the JVM
 * whose commit landed hears of it before the losers hear of their refusals, sends its next commit
 * first and wins round after round, until a loser's statement runs out of retries. The page server
 * queues the clients refused on a page: a refusal says how many are ahead ({@code "turn"}), and a
 * commit that lands there while others wait says how many wait ahead of its client, now at the end
 * of the queue ({@code X-Dosqlite-Contended}; docs/protocol.md). Before its next autocommit write
 * (the driver asks, {@link RemoteSession#awaitTurn()}) this JVM waits until that many newer versions
 * were pushed to it, bounded by about one and a half of its commit round trips per version; a
 * refused statement then runs again without backoff. Only timing
 * changes: every commit is still decided by the server. Without a lease (no pushes to count) only
 * the next in line skips the backoff.
 */
final class Turns {
    private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Round trip assumed before a commit of this JVM was timed. */
    private static final long FIRST_ROUND_TRIP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Waits (bounded) until the push channel applied {@code version}; false when it did not. */
    interface Pushes {
        boolean awaitApplied(long version, long timeoutNanos);
    }

    /** The next write waits until {@code version} was pushed, or until {@code deadline} (System.nanoTime()). */
    private record Wait(long version, long deadline) {
    }

    private final ClientStats stats;
    private volatile Pushes pushes;
    private volatile Wait pending;
    private volatile boolean queued;
    private volatile long roundTripNanos = FIRST_ROUND_TRIP_NANOS;

    Turns(ClientStats stats) {
        this.stats = stats;
    }

    /** Where pushed versions can be waited for (a lease holder). */
    void pushedBy(Pushes p) {
        this.pushes = p;
    }

    /** Commit {@code version} landed; {@code ahead} clients wait for a page it wrote before this JVM's next turn. */
    void landed(long version, int ahead, long nanos) {
        roundTripNanos = nanos;
        if (ahead > 0 && pushes != null) {
            pending = waitFor(version + ahead, ahead);
        }
    }

    /**
     * A commit was refused at server version {@code version}; {@code turn}: how many clients are
     * ahead of this JVM on the page (-1: not queued).
     */
    void refused(long version, int turn) {
        // without pushes to count versions by, only the next in line knows it can go at once
        queued = turn == 0 || turn > 0 && pushes != null;
        if (turn > 0 && pushes != null && version >= 0) {
            pending = waitFor(version + turn, turn);
        }
    }

    private Wait waitFor(long version, int rounds) {
        long wait = Math.max(MIN_WAIT_NANOS, Math.min(MAX_WAIT_NANOS, rounds * roundTripNanos * 3 / 2));
        return new Wait(version, System.nanoTime() + wait);
    }

    /** Before a write: waits for the clients ahead of this JVM on a page it fights over, if any (once). */
    void awaitTurn() throws InterruptedException {
        Wait w = pending;
        Pushes p = pushes;
        if (w == null || p == null) {
            return;
        }
        pending = null;
        long left = w.deadline - System.nanoTime();
        if (left > 0) {
            stats.yielded();
            p.awaitApplied(w.version, left);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Whether the last refusal queued this JVM for the page: the statement runs again without backoff (once). */
    boolean takeQueued() {
        boolean q = queued;
        queued = false;
        return q;
    }
}
