package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;

/**
 * The commits one connection sent on the chain and has not seen answered yet: waited for at once
 * by default, or, with synchronousCommit=false ({@link RemoteSession#queueCommits(int)}), settled
 * later, up to a bound, with a failure reported once to the connection's next call.
 */
final class ConnectionCommits {
    private final ClientStats stats;
    /** In the order the connection sent them; a commit merged into a later one stays until it is answered. */
    private final java.util.List<CommitChain.Link> pending = new java.util.ArrayList<>();

    ConnectionCommits(ClientStats stats) {
        this.stats = stats;
    }

    synchronized void pipelined(CommitChain.Link link) {
        pending.add(link);
    }

    /**
     * The newest commit this connection sent pipelined and has not seen acknowledged, or null: a
     * later commit of the connection must be built on it (see CommitChain#append), so the server
     * never applies a later one without it.
     */
    synchronized CommitChain.Link last() {
        return pending.isEmpty() ? null : pending.get(pending.size() - 1);
    }

    /** See {@link RemoteSession#awaitCommits()}. */
    void awaitAll() throws PageStoreException {
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

    /** See {@link RemoteSession#settleQueued(int)}. */
    void settle(int bound) throws PageStoreException {
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
}
