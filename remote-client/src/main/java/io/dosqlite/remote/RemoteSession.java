package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.Session;

/**
 * One SQLite connection to a {@link RemotePageStore} ({@link RemotePageStore#newSession()}): besides
 * the connection's last error, how its next transactions start. Between {@link #beginOptimistic()}
 * and {@link #leaveOptimistic()} / {@link #endOptimistic()}, transactions the connection starts skip
 * the version check and read the newest version the store knows; each is proven fresh afterwards
 * (see {@link OptimisticScope}).
 */
public final class RemoteSession extends Session {
    private final VersionCheck versions;
    private final KnownState known;
    private final ClientStats stats;
    /** 0: each statement and commit() waits for its own commit (the default); else see {@link #queueCommits(int)}. */
    private volatile int queueBound;
    /** Set while the connection's statement runs optimistically; read by the VFS on the same connection. */
    private volatile OptimisticScope scope;
    /** Commits of this connection sent pipelined whose answers the caller has not waited for yet. */
    private final java.util.List<CommitChain.Link> pending = new java.util.ArrayList<>();

    RemoteSession(VersionCheck versions, KnownState known, ClientStats stats) {
        this.versions = versions;
        this.known = known;
        this.stats = stats;
    }

    /**
     * Lets this connection's pipelined commits return before their answers, as PostgreSQL's
     * {@code synchronous_commit=off}: the caller goes on once a commit is queued in the chain, and
     * waits only while more than {@code maxUnacknowledged} of its commits are unanswered (see
     * {@link #settleQueued(int)}). A crash loses at most that many commits, always the newest ones.
     *
     * @param maxUnacknowledged at least 1
     */
    public void queueCommits(int maxUnacknowledged) {
        if (maxUnacknowledged < 1) {
            throw new IllegalArgumentException("maxUnacknowledged must be at least 1, not " + maxUnacknowledged);
        }
        queueBound = maxUnacknowledged;
    }

    /** Whether each commit is waited for (true unless {@link #queueCommits(int)} was called). */
    public boolean synchronousCommit() {
        return queueBound == 0;
    }

    /** The bound given to {@link #queueCommits(int)}; 0 when commits are synchronous. */
    public int maxUnacknowledged() {
        return queueBound;
    }

    /**
     * Until {@link #endOptimistic()}, transactions this connection starts skip the version check
     * and read the newest version the store knows: a write transaction then costs one request, its
     * commit, whose base version the server checks. For JDBC statements that return no rows
     * (executeUpdate) in autocommit mode, which can run again if they turn out to have read an old
     * version.
     */
    public OptimisticScope beginOptimistic() {
        return scope = new OptimisticScope(versions, known, false, synchronousCommit());
    }

    /**
     * Like {@link #beginOptimistic()}, for a query that returns nothing before the scope is
     * settled: the first page the connection's transaction has to fetch also proves (from the same
     * answer) that the version it reads is current, so a cold lookup saves the version check; if the
     * version turned out old, that read fails and {@link OptimisticScope#mustRunAgain()} says so. A
     * query that fetches nothing is proven by one version check, as before.
     */
    public OptimisticScope beginOptimisticQuery() {
        return scope = new OptimisticScope(versions, known, true, true);
    }

    /**
     * Ends {@link #beginOptimistic()} and says whether the statement must run again: true if a
     * commit was refused as stale (CONFLICT), or a transaction that wrote nothing read a version that
     * is no longer current (one version check). Nothing a true answer covers was committed. A commit
     * that failed otherwise may have been applied: false, and its error stands.
     */
    public boolean endOptimistic() throws PageStoreException {
        OptimisticScope s = scope;
        scope = null;
        return s != null && s.mustRunAgain();
    }

    /**
     * Ends {@link #beginOptimistic()} without proving anything. For reads SQLite validates by
     * itself, such as preparing a statement, whose schema cookie SQLite checks again (and
     * re-prepares) when the statement runs in a transaction that made the version check; and for a
     * transaction that goes on after the statement, proven later by
     * {@link OptimisticScope#mustRunAgain()}.
     */
    public void leaveOptimistic() {
        scope = null;
    }

    synchronized void pipelined(CommitChain.Link link) {
        pending.add(link);
    }

    /**
     * The newest commit this connection sent pipelined and has not seen acknowledged, or null: a
     * later commit of the connection must be built on it (see CommitChain#append), so the server
     * never applies a later one without it.
     */
    synchronized CommitChain.Link lastPipelined() {
        return pending.isEmpty() ? null : pending.get(pending.size() - 1);
    }

    /**
     * Waits until every commit this connection sent pipelined was answered, so that commit() and
     * a statement in autocommit mode return only once their commit is acknowledged (durability
     * does not change with pipelining).
     *
     * @throws PageStoreException CONFLICT if one was refused (nothing of it was applied), or the
     *                            failure of one that failed otherwise (it may have been applied)
     */
    public void awaitCommits() throws PageStoreException {
        java.util.List<CommitChain.Link> links;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            links = new java.util.ArrayList<>(pending);
            pending.clear();
        }
        PageStoreException failure = null;
        if (!links.get(links.size() - 1).answered()) {
            stats.commitWait();
        }
        for (CommitChain.Link l : links) {
            try {
                l.await();
            } catch (PageStoreException e) {
                // an outcome that is unknown outweighs a refusal
                if (failure == null || failure.kind() == PageStoreException.Kind.CONFLICT) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * For commits queued with {@link #queueCommits(int)}: forgets those acknowledged, and waits for
     * the oldest while more than {@code bound} are unanswered (0: waits for all, so a read sees
     * them acknowledged). If one failed, waits for the rest, which were built on it and fail too,
     * and throws: CONFLICT when it was refused (none of the failed commits was applied), else its
     * own failure (it may have been applied; none after it was). Each failure is reported once.
     *
     * @param bound how many commits may stay unanswered; {@link Integer#MAX_VALUE} only reports
     */
    public void settleQueued(int bound) throws PageStoreException {
        boolean waited = false;
        for (;;) {
            CommitChain.Link oldest;
            synchronized (this) {
                while (!pending.isEmpty() && pending.get(0).acknowledged()) {
                    pending.remove(0);
                }
                if (pending.isEmpty()) {
                    return;
                }
                if (pending.get(0).answered() || anyFailed()) {
                    break; // the oldest failed (or a later one already did): report
                }
                if (pending.size() <= bound) {
                    return;
                }
                oldest = pending.get(0);
            }
            if (!waited) {
                waited = true;
                stats.commitWait(); // one per call that blocks, however many commits it waits for
            }
            oldest.awaitQuietly();
        }
        reportQueuedFailure(waited);
    }

    private boolean anyFailed() {
        for (CommitChain.Link l : pending) {
            if (l.answered() && !l.acknowledged()) {
                return true;
            }
        }
        return false;
    }

    private void reportQueuedFailure(boolean waited) throws PageStoreException {
        java.util.List<CommitChain.Link> links;
        synchronized (this) {
            links = new java.util.ArrayList<>(pending);
            pending.clear();
        }
        if (!waited && !links.get(links.size() - 1).answered()) {
            stats.commitWait();
        }
        PageStoreException first = null;
        int lost = 0;
        int applied = 0;
        for (CommitChain.Link l : links) {
            try {
                l.await();
                applied++;
            } catch (PageStoreException e) {
                lost++;
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first == null) {
            return;
        }
        String what = lost + " commit" + (lost == 1 ? "" : "s") + " of this connection that had already returned"
                + " successfully (synchronousCommit=false) " + (lost == 1 ? "was" : "were") + " not applied";
        String rest = applied == 0 ? "" : " (" + applied + " queued before " + (lost == 1 ? "it " : "them ")
                + (applied == 1 ? "was" : "were") + " applied)";
        if (first.kind() == PageStoreException.Kind.CONFLICT) {
            throw new PageStoreException(PageStoreException.Kind.CONFLICT, what + rest + ": the oldest of them was"
                    + " refused because another client changed what it read first, and every later one was built on"
                    + " it. None of them is in the database. Run those statements or transactions again if they"
                    + " still apply. This call did nothing further: if a transaction is open, roll it back and run it"
                    + " again, as after any 40001.", first);
        }
        throw new PageStoreException(first.kind(), what + rest + ": the oldest of them failed (" + first.getMessage()
                + "); it may or may not have been applied, and none built on it was. Check what reached the database"
                + " before running them again.", first);
    }

    /** The optimistic scope the connection's next transaction starts in, or null. */
    OptimisticScope scope() {
        return scope;
    }
}
