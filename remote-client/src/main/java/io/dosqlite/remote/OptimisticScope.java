package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The transactions one connection started between {@link RemoteSession#beginOptimistic()} and
 * {@link RemoteSession#leaveOptimistic()}: they were pinned to the newest version this store knew,
 * without asking the server. Each is proven fresh afterwards — by the server accepting its commit
 * (which names its base version), or, for one that wrote nothing, by a version check showing no
 * other commit came in between ({@link #mustRunAgain()}).
 */
public final class OptimisticScope {
    private final VersionCheck versions;
    private final KnownState known;
    private final boolean provesByRead;
    /** False with synchronousCommit=false: a pipelined commit counts as applied once queued. */
    private final boolean awaitsCommits;
    private final List<RemoteSnapshot> snapshots = new ArrayList<>(1);

    OptimisticScope(VersionCheck versions, KnownState known, boolean provesByRead, boolean awaitsCommits) {
        this.awaitsCommits = awaitsCommits;
        this.versions = versions;
        this.known = known;
        this.provesByRead = provesByRead;
    }

    /** Whether a snapshot's first fetch proves its version (see RemoteSession#beginOptimisticQuery). */
    boolean provesByRead() {
        return provesByRead;
    }

    /**
     * Ends proof-by-read: what the transactions read from now on is seen by the caller, so it must
     * be proven before (by {@link #mustRunAgain()}), not by a later fetch.
     */
    public synchronized void settle() {
        for (RemoteSnapshot s : snapshots) {
            s.settle();
        }
    }

    synchronized void started(RemoteSnapshot snapshot) {
        snapshots.add(snapshot);
    }

    /** Whether any transaction started optimistically in this scope. */
    public synchronized boolean startedAny() {
        return !snapshots.isEmpty();
    }

    /**
     * Whether a transaction of this scope is still open: the statement ran inside a transaction
     * begun in SQL (BEGIN), so running it again would read the same snapshot.
     */
    public synchronized boolean stillOpen() {
        for (RemoteSnapshot s : snapshots) {
            if (!s.isClosed()) {
                return true;
            }
        }
        return false;
    }

    /** The version the first optimistic transaction started at, or -1. */
    public synchronized long startVersion() {
        return snapshots.isEmpty() ? -1 : snapshots.get(0).startVersion();
    }

    /**
     * True when the statement must run again: a commit was refused because another landed first,
     * or a transaction that sent no commit read a version that was not current. SQLite reads the
     * schema in a transaction of its own before the one that writes, so a read is proven current
     * by an accepted commit based on the same version, or by a fetch that found it current (see
     * {@link RemoteSession#beginOptimisticQuery()}), else by one version check. A commit that
     * failed any other way may have been applied, so that failure stands and nothing runs again.
     */
    public synchronized boolean mustRunAgain() throws PageStoreException {
        Set<Object> confirmed = new HashSet<>();
        boolean applied = false;
        for (RemoteSnapshot s : snapshots) {
            if (awaitsCommits) {
                s.awaitCommit(); // a pipelined commit: its answer decides (durability is unchanged)
            } // else queued: a refusal is reported later (RemoteSession#settleQueued), never run again here
            if (s.conflicted() || s.staleByRead()) {
                return true;
            }
            applied |= s.commitAttempted();
            if ((s.committedOnStart() || s.provenByRead()) && !s.skippedProof()) {
                confirmed.add(s.startKey());
            }
        }
        if (applied) {
            // The statement's commit was accepted: what its write transaction read was current, and
            // running it again would apply it twice. (SQLite's own schema read before it may have
            // been on an older version; the write transaction checked the schema cookie again.)
            return false;
        }
        long current = -1;
        for (RemoteSnapshot s : snapshots) {
            if (s.commitAttempted() || confirmed.contains(s.startKey())) {
                continue;
            }
            // a transaction that read pipelined commits of others is current only once they are
            long read = s.contentVersion();
            if (read < 0) {
                return true;
            }
            if (current < 0) {
                current = versions.check().version();
            }
            // a database deleted and created again may have reached the same version number
            if (current != read || s.otherLife(known.incarnation())) {
                return true;
            }
        }
        return false;
    }
}
