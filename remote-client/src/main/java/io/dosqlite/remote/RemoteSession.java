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
    /** 0: each statement and commit() waits for its own commit (the default); else see {@link #queueCommits(int)}. */
    private volatile int queueBound;
    /** Set while the connection's statement runs optimistically; read by the VFS on the same connection. */
    private volatile OptimisticScope scope;
    /** Whether the statement the connection runs scans a range or a whole b-tree (see {@link #scanHint}). */
    private volatile ScanHint scanning = ScanHint.NONE;
    private final ConnectionCommits commits;
    private final Turns turns;

    RemoteSession(VersionCheck versions, KnownState known, ClientStats stats, Turns turns) {
        this.turns = turns;
        this.versions = versions;
        this.known = known;
        this.commits = new ConnectionCommits(stats);
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

    /**
     * Before a write transaction: if this JVM waits in the page server's queue for a page it fights
     * over with other JVMs, waits (bounded) for the versions of the clients ahead of it, so writers
     * of one page take turns instead of one winning every round.
     */
    public void awaitTurn() throws InterruptedException {
        turns.awaitTurn();
    }

    /**
     * Whether the page server queued this JVM for the page its last refused commit ran into: the
     * statement then runs again after {@link #awaitTurn()}, without backoff (once per refusal).
     */
    public boolean nextInLine() {
        return turns.takeQueued();
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

    /**
     * Says whether the statement this connection runs next (until the next call) scans: its query
     * plan walks a key range or a whole table or index, so the first leaf it misses starts a read
     * ahead stream at once (see {@code ScanStreams}); with the range's bounds, exactly the leaves
     * the range covers. Point lookups give {@link ScanHint#NONE} and fetch one page per miss.
     */
    public void scanHint(ScanHint hint) {
        this.scanning = hint == null ? ScanHint.NONE : hint;
    }

    /** The last {@link #scanHint(ScanHint)}. */
    ScanHint scanning() {
        return scanning;
    }

    void pipelined(CommitChain.Link link) {
        commits.pipelined(link);
    }

    /** See {@link ConnectionCommits#last()}. */
    CommitChain.Link lastPipelined() {
        return commits.last();
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
        commits.awaitAll();
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
        commits.settle(bound);
    }

    /** The optimistic scope the connection's next transaction starts in, or null. */
    OptimisticScope scope() {
        return scope;
    }
}
