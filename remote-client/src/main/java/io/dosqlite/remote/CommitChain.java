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
        final String incarnation;
        /** The pages read (ranges for the page-level check), or null. */
        final String reads;
        /** The connection that queued it (see {@link #append}); only its own commits join a parked one. */
        final Object owner;
        /** False while parked (synchronousCommit=false, the chain full): later commits of its owner join it. */
        private boolean sent;
        /** The commit this parked one was merged into, or null. */
        private volatile Link mergedInto;
        /**
         * Completes once the store has learned this commit (in chain order), or with its failure:
         * whoever returns from waiting on it reads what it wrote, also from a lease.
         */
        final CompletableFuture<CommitResult> done = new CompletableFuture<>();
        /** The server's answer, kept until every earlier commit's answer is learned (chain lock). */
        private CommitResult answer;
        private Throwable failure;

        Link(long base, SortedMap<Long, byte[]> pages, long pageCount, int pageSize, List<String> after,
             String incarnation, String reads, Object owner) {
            this.key = CommitProtocol.newKey();
            this.base = base;
            this.pages = pages;
            this.pageCount = pageCount;
            this.pageSize = pageSize;
            this.after = after;
            this.incarnation = incarnation;
            this.reads = reads;
            this.owner = owner;
        }

        /**
         * This parked commit with a later transaction of the same connection on top, as one commit
         * (group commit): both are applied or neither, and in order. Its own {@link #done} follows
         * the new one's.
         */
        private Link absorb(SortedMap<Long, byte[]> later, long newPageCount, int newPageSize, String laterReads) {
            java.util.TreeMap<Long, byte[]> all = new java.util.TreeMap<>(pages);
            all.putAll(later);
            all.tailMap(newPageCount + 1).clear(); // pages beyond a database that shrank
            Link merged = new Link(base, all, newPageCount, newPageSize, after, incarnation,
                    mergeReads(reads, laterReads), owner);
            mergedInto = merged;
            merged.done.whenComplete((r, t) -> {
                if (t != null) {
                    done.completeExceptionally(t);
                } else {
                    done.complete(r);
                }
            });
            return merged;
        }

        /** The commit that carries this one now (itself, unless it was merged into a later one). */
        Link current() {
            Link l = this;
            while (l.mergedInto != null) {
                l = l.mergedInto;
            }
            return l;
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

        /** Whether its answer (acceptance or failure) is known to its caller. */
        boolean answered() {
            return done.isDone();
        }

        /** Whether it was accepted and learned in chain order. */
        boolean acknowledged() {
            return done.isDone() && !done.isCompletedExceptionally();
        }

        /** Waits for the answer, whatever it is (the caller looks at it afterwards). */
        void awaitQuietly() {
            CommitChain.awaitQuietly(this);
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
     * {@code follows}, the committing connection's previous pipelined commit not known to be
     * acknowledged (or null), must still be in the chain or acknowledged: a commit of a connection
     * is never built beside an earlier one of it that failed, so with synchronousCommit=false the
     * server never applies a connection's later commit without its earlier ones.
     *
     * @throws PageStoreException CONFLICT if a commit the transaction read, or {@code follows}, has failed meanwhile
     */
    Link append(View view, DbState start, String incarnation, SortedMap<Long, byte[]> pages, long pageCount,
                int pageSize, String reads, Link follows, Object owner, boolean mayPark) throws PageStoreException {
        for (;;) {
            Link oldest;
            synchronized (this) {
                if (view.id != tip.id || view.broken()) {
                    throw new PageStoreException(Kind.CONFLICT, "an earlier commit this transaction was built on"
                            + " (pipelined, not yet acknowledged) failed; nothing of it was applied. Roll back and"
                            + " retry the transaction.");
                }
                Link previous = follows == null ? null : follows.current();
                if (previous != null && !previous.acknowledged() && !tip.links.contains(previous)) {
                    throw new PageStoreException(Kind.CONFLICT, "an earlier commit of this connection (queued,"
                            + " not yet acknowledged) failed; nothing of this transaction was applied. Roll back and"
                            + " retry the transaction.");
                }
                int n = tip.links.size();
                Link last = n == 0 ? null : tip.links.get(n - 1);
                if (mayPark && last != null && !last.sent && last.owner == owner) {
                    // the connection's own parked commit: this transaction joins it (group commit);
                    // views holding the parked one are no longer the tip, so nothing builds on both
                    Link merged = last.absorb(pages, pageCount, pageSize, reads);
                    commits.stats().countQueuedGrouped();
                    List<Link> links = new ArrayList<>(tip.links);
                    links.set(n - 1, merged);
                    tip = new View(++nextId, tip.base, Collections.unmodifiableList(links));
                    return merged;
                }
                // synchronousCommit=false: while the connection's previous commit is on the wire (or the
                // chain is full) its next one waits unsent, and the ones after it join it
                boolean park = mayPark && (n >= depth || inFlight(owner));
                if (n < depth || park && n == depth && last.sent) {
                    if (last != null && !last.sent) {
                        sendNow(last); // another connection's commit goes behind it: the server must have it
                    }
                    // The server checks the commit against what happened since the version the
                    // transaction read, naming every commit of this chain it read on top (acknowledged
                    // since or not) as its own. Not the tip's base: answers that came while the
                    // transaction ran move the tip's base past commits of other clients that the
                    // transaction never saw, and a base past them would let its pages overwrite theirs
                    // (lost updates from several JVMs: docs/reliability.md, defect 7).
                    Link l = new Link(start.version(), pages, pageCount, pageSize, view.keys(), incarnation, reads, owner);
                    DbState base = !tip.links.isEmpty() || tip.base.version() > start.version() ? tip.base : start;
                    if (!tip.links.isEmpty()) {
                        commits.stats().countPipelined();
                    }
                    List<Link> links = new ArrayList<>(tip.links);
                    links.add(l);
                    tip = new View(++nextId, base, Collections.unmodifiableList(links));
                    if (!park) {
                        sendNow(l);
                    }
                    return l;
                }
                oldest = tip.links.get(0);
            }
            awaitQuietly(oldest);
        }
    }

    /** The commit of this chain sent with idempotency key {@code key} whose answer was not learned yet, or null. */
    synchronized Link pending(String key) {
        for (Link l : tip.links) {
            if (l.key.equals(key)) {
                return l;
            }
        }
        return null;
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

    private void send(Link l) {
        String incarnation = l.incarnation;
        String reads = l.reads;
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
                commits.refused(e);
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
                    } else if (!c.sent && !c.done.isDone()) {
                        c.done.completeExceptionally(new PageStoreException(Kind.CONFLICT, "a commit it was built on"
                                + " failed before it was sent; nothing of it was applied"));
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
        int n = tip.links.size();
        if (n > 0 && n <= depth && !tip.links.get(n - 1).sent && !inFlight(tip.links.get(n - 1).owner)) {
            sendNow(tip.links.get(n - 1)); // its connection's previous commit was answered: send it, with what joined it
        }
    }

    /** Whether a commit of {@code owner} was sent and its answer has not come. */
    private boolean inFlight(Object owner) {
        for (Link l : tip.links) {
            if (l.owner == owner && l.sent && l.answer == null && l.failure == null) {
                return true;
            }
        }
        return false;
    }

    private void sendNow(Link l) {
        l.sent = true;
        SENDERS.execute(() -> send(l));
    }

    /** The union of two page-range lists ({@code 1-5,9}); null (too many to list) if either is. */
    static String mergeReads(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() ? b : a;
        }
        String both = a + "," + b;
        return both.length() > 6000 ? null : both;
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
