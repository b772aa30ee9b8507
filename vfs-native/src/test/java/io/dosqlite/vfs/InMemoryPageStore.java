package io.dosqlite.vfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only, in-process MVCC page store; also the reference semantics of the {@link PageStore} SPI:
 * every commit creates a new immutable version; a commit based on a version that is no longer the
 * newest fails with CONFLICT; snapshots read exactly their version; pages above the new page count
 * are dropped; a page never written reads as zeros (SQLite's lock-byte page).
 */
public final class InMemoryPageStore implements PageStore {

    /** One immutable committed version. */
    static final class Version {
        final long number;
        final int pageSize;
        final long pageCount;
        final Map<Long, byte[]> pages;

        Version(long number, int pageSize, long pageCount, Map<Long, byte[]> pages) {
            this.number = number;
            this.pageSize = pageSize;
            this.pageCount = pageCount;
            this.pages = pages;
        }
    }

    /** What one successful commit carried. */
    public static final class CommitRecord {
        public final long baseVersion;
        public final long newVersion;
        public final TreeSet<Long> pageNumbers;
        public final long newPageCount;
        public final int pageSize;

        CommitRecord(long baseVersion, long newVersion, TreeSet<Long> pageNumbers, long newPageCount, int pageSize) {
            this.baseVersion = baseVersion;
            this.newVersion = newVersion;
            this.pageNumbers = pageNumbers;
            this.newPageCount = newPageCount;
            this.pageSize = pageSize;
        }
    }

    private volatile Version head = new Version(0, 0, 0, new HashMap<>());
    public final AtomicLong beginReads = new AtomicLong();
    public final AtomicLong openSnapshots = new AtomicLong();
    public final AtomicLong pageReads = new AtomicLong();
    public final AtomicLong commitCalls = new AtomicLong();
    public final AtomicLong failedCommits = new AtomicLong();
    public final List<CommitRecord> commits = new ArrayList<>();
    /** Commits to fail with a given kind before applying them (fault injection). */
    public final AtomicInteger failNextCommits = new AtomicInteger();
    public volatile PageStoreException.Kind failKind = PageStoreException.Kind.CONFLICT;
    public volatile boolean closed;
    public final AtomicInteger failNextBeginReads = new AtomicInteger();
    /** Page reads to fail with CORRUPT (a page that failed its checksum). */
    public final AtomicInteger corruptNextReads = new AtomicInteger();

    public Version head() {
        return head;
    }

    public long version() {
        return head.number;
    }

    public synchronized List<CommitRecord> commitLog() {
        return new ArrayList<>(commits);
    }

    /** Bytes of the newest version as a plain SQLite file image. */
    public byte[] image() {
        Version v = head;
        byte[] out = new byte[Math.toIntExact(v.pageCount * v.pageSize)];
        for (Map.Entry<Long, byte[]> e : v.pages.entrySet()) {
            System.arraycopy(e.getValue(), 0, out, (int) ((e.getKey() - 1) * v.pageSize), v.pageSize);
        }
        return out;
    }

    /** Simulates another client committing on top of the newest version (for conflict tests). */
    public synchronized void bumpVersion() {
        Version v = head;
        head = new Version(v.number + 1, v.pageSize, v.pageCount, v.pages);
    }

    @Override
    public Snapshot beginRead(Session session) throws PageStoreException {
        if (failNextBeginReads.get() > 0 && failNextBeginReads.decrementAndGet() >= 0) {
            throw new PageStoreException(PageStoreException.Kind.UNAVAILABLE, "injected: server unreachable");
        }
        beginReads.incrementAndGet();
        openSnapshots.incrementAndGet();
        return new Snap(head);
    }

    @Override
    public void close() {
        closed = true;
    }

    synchronized Version commitOn(Version base, SortedMap<Long, byte[]> pages, long newPageCount, int pageSize)
            throws PageStoreException {
        commitCalls.incrementAndGet();
        if (failNextCommits.get() > 0) {
            failNextCommits.decrementAndGet();
            failedCommits.incrementAndGet();
            throw new PageStoreException(failKind, "injected " + failKind + ": retry the transaction");
        }
        if (base.number != head.number) {
            failedCommits.incrementAndGet();
            throw new PageStoreException(PageStoreException.Kind.CONFLICT,
                    "commit based on version " + base.number + " but the database is at " + head.number
                            + "; retry the transaction");
        }
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw new PageStoreException(PageStoreException.Kind.INVALID, "invalid page size " + pageSize);
        }
        Map<Long, byte[]> next = base.pageSize == pageSize ? new HashMap<>(base.pages) : new HashMap<>();
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            long pg = e.getKey();
            byte[] img = e.getValue();
            if (pg < 1 || img.length != pageSize) {
                throw new PageStoreException(PageStoreException.Kind.INVALID, "bad page " + pg + " len " + img.length);
            }
            if (pg <= newPageCount) {
                next.put(pg, Arrays.copyOf(img, pageSize));
            }
        }
        if (newPageCount < base.pageCount) {
            next.keySet().removeIf(k -> k > newPageCount);
        }
        Version v = new Version(head.number + 1, pageSize, newPageCount, next);
        head = v;
        commits.add(new CommitRecord(base.number, v.number, new TreeSet<>(pages.keySet()), newPageCount, pageSize));
        return v;
    }

    final class Snap implements Snapshot {
        private Version v;
        private boolean closedSnap;

        Snap(Version v) {
            this.v = v;
        }

        @Override
        public long version() {
            return v.number;
        }

        @Override
        public int pageSize() {
            return v.pageSize;
        }

        @Override
        public long pageCount() {
            return v.pageCount;
        }

        @Override
        public void readPage(long pageNo, byte[] dst, int offset) throws PageStoreException {
            if (closedSnap) {
                throw new PageStoreException(PageStoreException.Kind.IO, "snapshot closed");
            }
            if (pageNo < 1 || pageNo > v.pageCount) {
                throw new PageStoreException(PageStoreException.Kind.INVALID, "page " + pageNo + " out of range");
            }
            if (corruptNextReads.get() > 0 && corruptNextReads.decrementAndGet() >= 0) {
                throw new PageStoreException(PageStoreException.Kind.CORRUPT, "injected: page " + pageNo + " failed its checksum");
            }
            pageReads.incrementAndGet();
            byte[] p = v.pages.get(pageNo);
            if (p == null) {
                Arrays.fill(dst, offset, offset + v.pageSize, (byte) 0);
            } else {
                System.arraycopy(p, 0, dst, offset, v.pageSize);
            }
        }

        @Override
        public long commit(SortedMap<Long, byte[]> pages, long newPageCount, int pageSize) throws PageStoreException {
            v = commitOn(v, pages, newPageCount, pageSize);
            return v.number;
        }

        @Override
        public void close() {
            if (!closedSnap) {
                closedSnap = true;
                openSnapshots.decrementAndGet();
            }
        }
    }
}
