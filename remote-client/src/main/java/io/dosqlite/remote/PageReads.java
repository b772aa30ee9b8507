package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

/** Batched page reads at one version ({@code /read}), checked against what was asked for. */
final class PageReads {
    private final PageApi api;
    private final ClientStats stats;

    PageReads(PageApi api, ClientStats stats) {
        this.api = api;
        this.stats = stats;
    }

    /**
     * Pages read at one version, the version that was current when the server read them (-1: not
     * said) and the database's incarnation (null: not said).
     */
    record Fetched(PageFrames.Decoded pages, long current, String incarnation) {
    }

    Fetched fetch(long version, int pageSize, long[] pages) throws PageStoreException {
        Answer a = api.read(version, pages);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "reading pages", api.config());
        }
        String v = a.header("X-Dosqlite-Version");
        if (v != null && !v.trim().equals(Long.toString(version))) {
            throw new PageStoreException(Kind.CORRUPT, "asked for pages of version " + version
                    + ", the page server answered version " + v.trim());
        }
        int ps = Headers.pageSize(a, pageSize);
        if (ps != pageSize) {
            throw new PageStoreException(Kind.CORRUPT, "the page server sent " + ps + "-byte pages, the snapshot has "
                    + pageSize + "-byte pages");
        }
        PageFrames.Decoded d = PageFrames.decode(a.body(), ps, pages);
        stats.pagesFetched(d.size());
        String current = a.header("X-Dosqlite-Current-Version");
        long cur = current == null ? -1 : Headers.parseLong(current, "X-Dosqlite-Current-Version");
        return new Fetched(d, cur, a.header("X-Dosqlite-Incarnation"));
    }
}
