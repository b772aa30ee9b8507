package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

/** Batched page reads at one version ({@code /read}), checked against what was asked for. */
final class PageReads {
    /** What a server that does not announce its limit takes (read protocol 1). */
    static final int PROTOCOL_1_MAX_PAGES = 256;
    private static final long MAX_PAGE_BYTES = 16L * 1024 * 1024;

    private final PageApi api;
    private final ClientStats stats;
    private final LeasedPages leased;
    /** The server's per-request page limit, from X-Dosqlite-Max-Read-Pages (read protocol 2). */
    private volatile int maxPages = PROTOCOL_1_MAX_PAGES;

    PageReads(PageApi api, ClientStats stats, LeasedPages leased) {
        this.api = api;
        this.stats = stats;
        this.leased = leased;
    }

    /**
     * Pages read at one version, the version that was current when the server read them (-1: not
     * said) and the database's incarnation (null: not said).
     */
    record Fetched(PageFrames.Decoded pages, long current, String incarnation, Moved moved) {
    }

    /**
     * What a read that named its transaction's read set learned: the version the pages are of
     * ({@code version}, newer than asked when none of those pages changed in between), the pages
     * changed in between (null: too many to list) and that version's page count. Null when the
     * server did not decide (no read set sent, or a server that does not take one).
     */
    record Moved(long version, long[] changed, long pageCount) {
    }

    Fetched fetch(long version, int pageSize, long[] pages) throws PageStoreException {
        return fetch(version, pageSize, pages, 0, null, pages.length);
    }

    /**
     * As {@link #fetch(long, int, long[])}; with {@code overflowBytes} > 0 and a server of read
     * protocol 2, the answer also holds up to that many bytes of the overflow chains of the pages'
     * cells, after the pages asked for.
     */
    Fetched fetch(long version, int pageSize, long[] pages, long overflowBytes, String reads, int record)
            throws PageStoreException {
        long mark = leased.mark();
        Answer a = api.read(version, pages, maxPages > PROTOCOL_1_MAX_PAGES ? overflowBytes : 0, reads, record);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "reading pages", api.config());
        }
        String v = a.header("X-Dosqlite-Version");
        Moved moved = reads != null && "1".equals(a.header("X-Dosqlite-Fresh")) ? moved(a, version) : null;
        if (moved != null && moved.version() > version) {
            version = moved.version();
        }
        if (v != null && !v.trim().equals(Long.toString(version))) {
            throw new PageStoreException(Kind.CORRUPT, "asked for pages of version " + version
                    + ", the page server answered version " + v.trim());
        }
        int ps = Headers.pageSize(a, pageSize);
        if (ps != pageSize) {
            throw new PageStoreException(Kind.CORRUPT, "the page server sent " + ps + "-byte pages, the snapshot has "
                    + pageSize + "-byte pages");
        }
        String followed = a.header("X-Dosqlite-Overflow-Pages");
        int extra = followed == null ? 0 : (int) Headers.parseLong(followed, "X-Dosqlite-Overflow-Pages");
        PageFrames.Decoded d = PageFrames.decode(a.body(), ps, pages, extra);
        stats.pagesFetched(d.size());
        learnLimit(a);
        String current = a.header("X-Dosqlite-Current-Version");
        long cur = current == null ? -1 : Headers.parseLong(current, "X-Dosqlite-Current-Version");
        // the pages the server recorded as cached here: a commit of them waits for this store
        leased.recorded(a.header("X-Dosqlite-Recorded"), d.pageNos(), record >= pages.length ? d.size() : record, mark);
        return new Fetched(d, cur, a.header("X-Dosqlite-Incarnation"), moved);
    }

    private static Moved moved(Answer a, long asked) throws PageStoreException {
        long v = Headers.requireLong(a, "X-Dosqlite-Version");
        if (v <= asked) {
            return new Moved(asked, new long[0], -1);
        }
        String changed = a.header("X-Dosqlite-Changed");
        return new Moved(v, changed == null || changed.trim().equals("*") ? null : parseRanges(changed.trim()),
                Headers.requireLong(a, "X-Dosqlite-Page-Count"));
    }

    /** Page ranges {@code 1-5,9} as page numbers. */
    static long[] parseRanges(String ranges) throws PageStoreException {
        java.util.ArrayList<Long> out = new java.util.ArrayList<>();
        try {
            for (String part : ranges.split(",")) {
                int dash = part.indexOf('-');
                long lo = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
                long hi = dash < 0 ? lo : Long.parseLong(part.substring(dash + 1));
                if (hi < lo || hi - lo > 10_000_000) {
                    throw new NumberFormatException(part);
                }
                for (long p = lo; p <= hi; p++) {
                    out.add(p);
                }
            }
        } catch (NumberFormatException e) {
            throw new PageStoreException(Kind.CORRUPT, "the page server sent a malformed X-Dosqlite-Changed header");
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Remembers the page limit a /read or /interior answer announces (absent: read protocol 1). */
    void learnLimit(Answer a) {
        String h = a.header("X-Dosqlite-Max-Read-Pages");
        if (h != null) {
            try {
                maxPages = Math.max(PROTOCOL_1_MAX_PAGES, Integer.parseInt(h.trim()));
            } catch (NumberFormatException e) {
                maxPages = PROTOCOL_1_MAX_PAGES;
            }
        }
    }

    /** How many pages of {@code pageSize} bytes one request may ask for. */
    int maxPagesPerRead(int pageSize) {
        return (int) Math.max(1, Math.min(maxPages, MAX_PAGE_BYTES / pageSize));
    }
}
