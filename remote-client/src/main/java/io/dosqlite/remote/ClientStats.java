package io.dosqlite.remote;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request, byte and cache counters of one {@link RemotePageStore}. The live instance counts;
 * {@link #snapshot()} freezes a copy, {@link #minus(ClientStats)} gives the difference of two
 * copies, {@link #reset()} zeroes the live counters. Bytes are HTTP body bytes.
 */
public final class ClientStats {

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();
    private final AtomicLong pagesFetched = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong cacheMisses = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    public ClientStats() {
    }

    /** HTTP requests sent (every attempt counts). */
    public long requests() { return requests.get(); }

    /** Request body bytes sent. */
    public long bytesUp() { return bytesUp.get(); }

    /** Response body bytes received. */
    public long bytesDown() { return bytesDown.get(); }

    /** Pages received from the server (reads, read-ahead and interior prefetch). */
    public long pagesFetched() { return pagesFetched.get(); }

    /** Page reads answered from the cache. */
    public long cacheHits() { return cacheHits.get(); }

    /** Page reads that needed a request. */
    public long cacheMisses() { return cacheMisses.get(); }

    /** Commits that succeeded. */
    public long commits() { return commits.get(); }

    /** Commits refused because another client committed first. */
    public long conflicts() { return conflicts.get(); }

    /** Requests repeated after a failure (and commit outcome look-ups). */
    public long retries() { return retries.get(); }

    /** A frozen copy of the counters. */
    public ClientStats snapshot() {
        ClientStats s = new ClientStats();
        s.requests.set(requests());
        s.bytesUp.set(bytesUp());
        s.bytesDown.set(bytesDown());
        s.pagesFetched.set(pagesFetched());
        s.cacheHits.set(cacheHits());
        s.cacheMisses.set(cacheMisses());
        s.commits.set(commits());
        s.conflicts.set(conflicts());
        s.retries.set(retries());
        return s;
    }

    /** {@code this - earlier}, counter by counter. */
    public ClientStats minus(ClientStats earlier) {
        ClientStats s = snapshot();
        s.requests.addAndGet(-earlier.requests());
        s.bytesUp.addAndGet(-earlier.bytesUp());
        s.bytesDown.addAndGet(-earlier.bytesDown());
        s.pagesFetched.addAndGet(-earlier.pagesFetched());
        s.cacheHits.addAndGet(-earlier.cacheHits());
        s.cacheMisses.addAndGet(-earlier.cacheMisses());
        s.commits.addAndGet(-earlier.commits());
        s.conflicts.addAndGet(-earlier.conflicts());
        s.retries.addAndGet(-earlier.retries());
        return s;
    }

    /** Zeroes every counter. */
    public void reset() {
        requests.set(0);
        bytesUp.set(0);
        bytesDown.set(0);
        pagesFetched.set(0);
        cacheHits.set(0);
        cacheMisses.set(0);
        commits.set(0);
        conflicts.set(0);
        retries.set(0);
    }

    void request(long up) { requests.incrementAndGet(); bytesUp.addAndGet(up); }

    void received(long down) { bytesDown.addAndGet(down); }

    void pagesFetched(long n) { pagesFetched.addAndGet(n); }

    void hit() { cacheHits.incrementAndGet(); }

    void miss() { cacheMisses.incrementAndGet(); }

    void commit() { commits.incrementAndGet(); }

    void conflict() { conflicts.incrementAndGet(); }

    void retry() { retries.incrementAndGet(); }

    @Override
    public String toString() {
        return "requests=" + requests() + " bytesUp=" + bytesUp() + " bytesDown=" + bytesDown()
                + " pagesFetched=" + pagesFetched() + " cacheHits=" + cacheHits() + " cacheMisses=" + cacheMisses()
                + " commits=" + commits() + " conflicts=" + conflicts() + " retries=" + retries();
    }
}
