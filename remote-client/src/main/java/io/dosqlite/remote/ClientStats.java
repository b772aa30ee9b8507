package io.dosqlite.remote;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Request, byte and cache counters of one {@link RemotePageStore}. The live instance counts;
 * {@link #snapshot()} freezes a copy, {@link #minus(ClientStats)} gives the difference of two
 * copies, {@link #reset()} zeroes the live counters. Bytes are HTTP body bytes.
 */
public final class ClientStats {

    private enum Counter {
        REQUESTS, BYTES_UP, BYTES_DOWN, PAGES_FETCHED, CACHE_HITS, CACHE_MISSES, COMMITS, PAGES_COMMITTED,
        CONFLICTS, RETRIES, LEASE_REQUESTS, INVALIDATIONS, LEASE_READS, READ_AHEAD_PAGES, READ_AHEAD_BYTES,
        READ_AHEAD_USED_BYTES, MERGED, PIPELINED, LEASE_RIDES,
        COMMIT_WAITS, QUEUED_GROUPED, HELD_FOR_HOLDERS, HELD_BEHIND, YIELDS
    }

    private static final Counter[] COUNTERS = Counter.values();

    private final AtomicLongArray counts = new AtomicLongArray(COUNTERS.length);

    public ClientStats() {
    }

    private long get(Counter c) {
        return counts.get(c.ordinal());
    }

    private void add(Counter c, long n) {
        counts.addAndGet(c.ordinal(), n);
    }

    /**
     * How often a call (executeUpdate, commit(), a read, close) blocked until a commit of its
     * connection was answered: about one per commit by default, far fewer with synchronousCommit=false.
     */
    public long commitWaits() { return get(Counter.COMMIT_WAITS); }

    /**
     * Commits queued (synchronousCommit=false) that joined their connection's commit waiting,
     * unsent, behind a full chain, so both travel as one request.
     */
    public long queuedGrouped() { return get(Counter.QUEUED_GROUPED); }

    /** HTTP requests sent (every attempt counts). */
    public long requests() { return get(Counter.REQUESTS); }

    /** Request body bytes sent. */
    public long bytesUp() { return get(Counter.BYTES_UP); }

    /** Response body bytes received. */
    public long bytesDown() { return get(Counter.BYTES_DOWN); }

    /** Pages received from the server (reads, read-ahead and interior prefetch). */
    public long pagesFetched() { return get(Counter.PAGES_FETCHED); }

    /** Page reads answered from the cache. */
    public long cacheHits() { return get(Counter.CACHE_HITS); }

    /** Page reads that needed a request. */
    public long cacheMisses() { return get(Counter.CACHE_MISSES); }

    /** Commits that succeeded. */
    public long commits() { return get(Counter.COMMITS); }

    /** Pages written by the commits that succeeded (whole or as changed bytes). */
    public long pagesCommitted() { return get(Counter.PAGES_COMMITTED); }

    /** Commits refused because another client committed first. */
    public long conflicts() { return get(Counter.CONFLICTS); }

    /** Commits the server accepted on a newer version than their base (page-level check). */
    public long merged() { return get(Counter.MERGED); }

    /** Commits sent before the previous one of this JVM was acknowledged (pipelined). */
    public long pipelined() { return get(Counter.PIPELINED); }

    /** Requests repeated after a failure (and commit outcome look-ups). */
    public long retries() { return get(Counter.RETRIES); }

    /** Lease requests and renewals sent on the push channel (messages, not HTTP requests). */
    public long leaseRequests() { return get(Counter.LEASE_REQUESTS); }

    /** Lease renewals that rode on an HTTP answer the store asked for anyway (no message of their own). */
    public long leaseRenewalsByTraffic() { return get(Counter.LEASE_RIDES); }

    /** Invalidations received on the push channel (each answered with an ack). */
    public long invalidations() { return get(Counter.INVALIDATIONS); }

    /** Read transactions that started on a trusted lease, with no request. */
    public long leaseReads() { return get(Counter.LEASE_READS); }

    /** Pages received that nobody asked for yet: read-ahead along a scan (not the interior prefetch). */
    public long readAheadPages() { return get(Counter.READ_AHEAD_PAGES); }

    /** Page bytes of {@link #readAheadPages()}. */
    public long readAheadBytes() { return get(Counter.READ_AHEAD_BYTES); }

    /**
     * Page bytes fetched by read-ahead that SQLite had not read (yet): fetched minus those read
     * since. A guess that stays in the cache may still be read later, so this is an upper bound.
     */
    public long wastedReadAheadBytes() {
        return get(Counter.READ_AHEAD_BYTES) - get(Counter.READ_AHEAD_USED_BYTES);
    }

    /** A frozen copy of the counters. */
    public ClientStats snapshot() {
        ClientStats s = new ClientStats();
        for (Counter c : COUNTERS) {
            s.add(c, get(c));
        }
        return s;
    }

    /** {@code this - earlier}, counter by counter. */
    public ClientStats minus(ClientStats earlier) {
        ClientStats s = snapshot();
        for (Counter c : COUNTERS) {
            s.add(c, -earlier.get(c));
        }
        return s;
    }

    /** Zeroes every counter. */
    public void reset() {
        for (Counter c : COUNTERS) {
            counts.set(c.ordinal(), 0);
        }
    }

    void request(long up) {
        add(Counter.REQUESTS, 1);
        add(Counter.BYTES_UP, up);
    }

    void received(long down) { add(Counter.BYTES_DOWN, down); }

    void pagesFetched(long n) { add(Counter.PAGES_FETCHED, n); }

    void hit() { add(Counter.CACHE_HITS, 1); }

    void readAhead(long pages, long bytes) {
        add(Counter.READ_AHEAD_PAGES, pages);
        add(Counter.READ_AHEAD_BYTES, bytes);
    }

    void readAheadUsed(long bytes) { add(Counter.READ_AHEAD_USED_BYTES, bytes); }

    void miss() { add(Counter.CACHE_MISSES, 1); }

    void commit(long pages) {
        add(Counter.COMMITS, 1);
        add(Counter.PAGES_COMMITTED, pages);
    }

    void conflict() { add(Counter.CONFLICTS, 1); }

    /**
     * A commit's answer said what it waited for: lease holders that had to acknowledge it
     * ({@code holders}: a number, null when the server does not say) and earlier versions held back.
     */
    void heldFor(String holders, boolean behind) {
        if (holders != null && !holders.trim().equals("0")) {
            add(Counter.HELD_FOR_HOLDERS, 1);
        }
        if (behind) {
            add(Counter.HELD_BEHIND, 1);
        }
    }

    /** Commits whose answer waited for other lease holders to acknowledge it (they may cache a page it changed). */
    /** Writes that waited for another JVM's turn on a page they fight over (see docs/protocol.md, turns). */
    public long yields() { return get(Counter.YIELDS); }

    void yielded() {
        add(Counter.YIELDS, 1);
    }

    public long heldForHolders() { return get(Counter.HELD_FOR_HOLDERS); }

    /** Commits whose answer waited behind an earlier version held back for lease holders. */
    public long heldBehind() { return get(Counter.HELD_BEHIND); }

    void retry() { add(Counter.RETRIES, 1); }

    void countMerged() { add(Counter.MERGED, 1); }

    void countPipelined() { add(Counter.PIPELINED, 1); }

    void commitWait() { add(Counter.COMMIT_WAITS, 1); }

    void countQueuedGrouped() { add(Counter.QUEUED_GROUPED, 1); }

    void leaseRequest() { add(Counter.LEASE_REQUESTS, 1); }

    void invalidation() { add(Counter.INVALIDATIONS, 1); }

    void leaseRenewedByTraffic() { add(Counter.LEASE_RIDES, 1); }

    void leaseRead() { add(Counter.LEASE_READS, 1); }

    @Override
    public String toString() {
        return "requests=" + requests() + " bytesUp=" + bytesUp() + " bytesDown=" + bytesDown()
                + " pagesFetched=" + pagesFetched() + " cacheHits=" + cacheHits() + " cacheMisses=" + cacheMisses()
                + " commits=" + commits() + " pagesCommitted=" + pagesCommitted() + " conflicts=" + conflicts()
                + " merged=" + merged() + " pipelined=" + pipelined() + " commitWaits=" + commitWaits() + " queuedGrouped=" + queuedGrouped()
                + " retries=" + retries() + " leaseReads=" + leaseReads() + " leaseRequests=" + leaseRequests()
                + " leaseRenewalsByTraffic=" + leaseRenewalsByTraffic()
                + " invalidations=" + invalidations() + " readAheadPages=" + readAheadPages()
                + " wastedReadAheadBytes=" + wastedReadAheadBytes() + " yields=" + yields();
    }
}
