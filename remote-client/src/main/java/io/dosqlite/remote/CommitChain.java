package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pipelined commits of one store (early lock release): an optimistic write transaction's commit
 * is sent and SQLite's write lock released before the answer arrives, so the next write
 * transaction of any connection of this JVM runs on top of it (reading its pages from here) and
 * sends its own commit naming the earlier ones ({@code after=}). The server applies a chain in
 * order and refuses every later commit of it once one is refused. Transactions that are not part
 * of the chain (reads, and writes that began by reading) never see a pending commit: they read the
 * acknowledged versions, and a commit of theirs waits until the chain is drained.
 */
final class CommitChain {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService SENDERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dosqlite-commit-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** A commit of the chain: its pages, and its answer once it came. */
    static final class Link {
        final String key;
        /** The version the server checks it against (the chain's acknowledged base). */
        final long base;
        final SortedMap<Long, byte[]> pages;
        final long pageCount;
        final int pageSize;
        final List<String> after;
        /**
         * Completes once the store has learned this commit (in chain order), or with its failure:
         * whoever returns from waiting on it reads what it wrote, also from a lease.
         */
        final CompletableFuture<CommitResult> done = new CompletableFuture<>();
        /** The server's answer, kept until every earlier commit's answer is learned (chain lock). */
        private CommitResult answer;
        private Throwable failure;

        Link(long base, SortedMap<Long, byte[]> pages, long pageCount, int pageSize, List<String> after) {
            this.key = CommitProtocol.newKey();
            this.base = base;
            this.pages = pages;
            this.pageCount = pageCount;
            this.pageSize = pageSize;
            this.after = after;
        }

        /** Waits for the answer: the new version, or the failure (CONFLICT when refused). */
        long await() throws PageStoreException {
            try {
                return done.get().version();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PageStoreException(Kind.UNKNOWN_OUTCOME, "interrupted while waiting for the answer to a"
                        + " pipelined commit (idempotency key " + key + "); check whether it took effect", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PageStoreException p) {
                    throw p;
                }
                throw new PageStoreException(Kind.IO, "pipelined commit failed: " + e.getCause(), e.getCause());
            }
        }

        /** Refused, or its outcome unknown (read under the chain's lock, or after {@link #done}). */
        boolean failed() {
            return failure != null || done.isCompletedExceptionally();
        }
    }

    /**
     * What a transaction started on the chain reads: acknowledged version {@code base} with the
     * pages of the pending commits on top. Immutable; {@code id} changes with every commit
     * appended and every failure, not when a commit is acknowledged.
     */
    static final class View {
        final long id;
        final DbState base;
        final List<Link> links;

        View(long id, DbState base, List<Link> links) {
            this.id = id;
            this.base = base;
            this.links = links;
        }

        long pageCount() {
            return links.isEmpty() ? base.pageCount() : links.get(links.size() - 1).pageCount;
        }

        int pageSize() {
            return links.isEmpty() ? base.pageSize() : links.get(links.size() - 1).pageSize;
        }

        /** The newest pending image of a page, or null (read it at the base version). */
        byte[] page(long pageNo) {
            for (int i = links.size() - 1; i >= 0; i--) {
                byte[] b = links.get(i).pages.get(pageNo);
                if (b != null) {
                    return b;
                }
            }
            return null;
        }

        List<String> keys() {
            List<String> k = new ArrayList<>(links.size());
            for (Link l : links) {
                k.add(l.key);
            }
            return k;
        }

        boolean broken() {
            for (Link l : links) {
                if (l.failed()) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The version this view's content was acknowledged as, once all its commits were; -1 if
         * one was refused or failed. Waits for the answers.
         */
        long acknowledged() {
            long v = base.version();
            for (Link l : links) {
                try {
                    v = l.await();
                } catch (PageStoreException e) {
                    return -1;
                }
            }
            return v;
        }
    }

    private final Commits commits;
    private final KnownState known;
    private final int depth;
    private View tip;
    private long nextId;
    /** Changes when a pending commit failed: SQLite caches that may hold its pages must be dropped. */
    private volatile long epoch;

    CommitChain(Commits commits, KnownState known, int depth) {
        this.commits = commits;
        this.known = known;
        this.depth = depth;
        this.tip = new View(0, known.newest(), List.of());
    }

    /** Whether commits may be pipelined at all. */
    boolean enabled() {
        return depth > 0;
    }

    /** The view a new write transaction of the chain starts on. */
    synchronized View tip() {
        return tip;
    }

    long epoch() {
        return epoch;
    }

    /**
     * Appends a commit of a transaction that started on {@code view} (at acknowledged version
     * {@code start} when the view had no pending commits) and sends it, without waiting for its
     * answer. Waits while {@link RemoteConfig#pipelineDepth()} commits are pending.
     *
     * @throws PageStoreException CONFLICT if a commit the transaction read has failed meanwhile
     */
    Link append(View view, DbState start, String incarnation, SortedMap<Long, byte[]> pages, long pageCount,
                int pageSize, String reads) throws PageStoreException {
        for (;;) {
            Link oldest;
            synchronized (this) {
                if (view.id != tip.id || view.broken()) {
                    throw new PageStoreException(Kind.CONFLICT, "an earlier commit this transaction was built on"
                            + " (pipelined, not yet acknowledged) failed; nothing of it was applied. Roll back and"
                            + " retry the transaction.");
                }
                if (tip.links.size() < depth) {
                    DbState base = tip.links.isEmpty() ? start : tip.base;
                    Link l = new Link(base.version(), pages, pageCount, pageSize, tip.keys());
                    if (!tip.links.isEmpty()) {
                        commits.stats().countPipelined();
                    }
                    List<Link> links = new ArrayList<>(tip.links);
                    links.add(l);
                    tip = new View(++nextId, base, Collections.unmodifiableList(links));
                    SENDERS.execute(() -> send(l, incarnation, reads));
                    return l;
                }
                oldest = tip.links.get(0);
            }
            awaitQuietly(oldest);
        }
    }

    /** The view right after {@code l} was appended (what the committing transaction reads on). */
    synchronized View viewWith(Link l) {
        return tip.links.contains(l) ? tip : null;
    }

    /** Waits until no commit of the chain is pending (a commit outside the chain goes after them). */
    void drain() {
        for (;;) {
            Link last;
            synchronized (this) {
                if (tip.links.isEmpty()) {
                    return;
                }
                last = tip.links.get(tip.links.size() - 1);
            }
            awaitQuietly(last);
            settle();
        }
    }

    /** A commit outside the chain changed the database: views taken before it are not the tip. */
    synchronized void committedOutside() {
        tip = new View(++nextId, known.newest(), List.of());
    }

    private void send(Link l, String incarnation, String reads) {
        CommitResult r = null;
        Throwable failure = null;
        try {
            // only the first commit of a chain may send changed bytes: patches apply to its base's images
            r = CommitProtocol.commit(commits.api(), commits.stats(), l.base, incarnation, l.pages, l.pageCount,
                    l.pageSize, null, l.after.isEmpty() ? pageNo -> commits.cache().peek(pageNo, l.base) : null,
                    new CommitBasis(reads, l.after), l.key);
            commits.stats().commit(l.pages.size());
        } catch (PageStoreException e) {
            if (e.kind() == Kind.CONFLICT) {
                commits.refused();
            } else {
                commits.unknownOutcome();
            }
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        // The answer and the chain it changes in one step. A caller waiting for an accepted commit
        // is released by settle(), after the store learned it and every commit before it (a later
        // link's answer can arrive first: the server applied the earlier ones, the client has not
        // learned them yet); a lease read right after commit() returns must see it.
        synchronized (this) {
            l.answer = r;
            l.failure = failure;
            boolean inChain = tip.links.contains(l);
            settle();
            if (!inChain && !l.done.isDone()) {
                // cut off before its answer came, because a commit it was built on failed
                if (failure != null) {
                    l.done.completeExceptionally(failure);
                } else {
                    l.done.complete(r);
                }
            }
        }
    }

    /**
     * Takes answered commits off the front of the chain, in order: an accepted one becomes the
     * acknowledged base (the cache learns its pages). A failed one is cut off with everything
     * built on it (the server refuses those too), at once, so no new transaction reads its pages.
     */
    private synchronized void settle() {
        for (int i = 0; i < tip.links.size(); i++) {
            if (tip.links.get(i).failed()) {
                epoch++;
                PageApi.LOG.fine("a pipelined commit failed: the " + (tip.links.size() - 1 - i) + " commits built on it fail too");
                List<Link> cut = tip.links.subList(i, tip.links.size());
                for (Link c : cut) {
                    if (c.failure != null && !c.done.isDone()) {
                        c.done.completeExceptionally(c.failure); // the others: when their own answers come
                    }
                }
                List<Link> kept = List.copyOf(tip.links.subList(0, i));
                tip = new View(++nextId, kept.isEmpty() ? known.newest() : tip.base, kept);
                break;
            }
        }
        while (!tip.links.isEmpty() && tip.links.get(0).answer != null) {
            Link first = tip.links.get(0);
            CommitResult r = first.answer;
            commits.learn(first.base, r, first.pages, first.pageCount, first.pageSize);
            List<Link> rest = tip.links.subList(1, tip.links.size());
            tip = new View(tip.id, new DbState(r.version(), first.pageSize, first.pageCount), List.copyOf(rest));
            first.done.complete(r);
        }
    }

    private static void awaitQuietly(Link l) {
        try {
            l.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // the failure belongs to that commit's own transaction
        }
    }
}
