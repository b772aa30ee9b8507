package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;

/**
 * Answer of a commit (or of the commit look-up): {@code {"version","pageCount","pages"}}, and for
 * a commit that landed on a newer version than its base, {@code changed} (the pages written since
 * its base, to drop from the cache) and {@code counter} (the change counter the server gave page 1).
 */
record CommitResult(long version, long pageCount, long pages, long[] changed, long counter, String recorded,
                    int contended, long roundTripNanos) {

    /** The same, with the socket the server recorded the committed pages for (X-Dosqlite-Recorded; null: none). */
    CommitResult recordedOn(String socket) {
        return new CommitResult(version, pageCount, pages, changed, counter, socket, contended, roundTripNanos);
    }

    /** The same, with how many clients wait for a page it wrote (X-Dosqlite-Contended) and how long it took. */
    CommitResult turn(int contendedPage, long nanos) {
        return new CommitResult(version, pageCount, pages, changed, counter, recorded, contendedPage, nanos);
    }

    static CommitResult parse(byte[] body, String what) throws PageStoreException {
        JsonNode n = Json.parse(body, what);
        JsonNode pages = n.get("pages");
        JsonNode changed = n.get("changed");
        long[] ch = null;
        if (changed != null && changed.isArray()) {
            ch = new long[changed.size()];
            for (int i = 0; i < ch.length; i++) {
                ch[i] = changed.get(i).asLong();
            }
        }
        JsonNode counter = n.get("counter");
        return new CommitResult(Json.requireLong(n, "version", what), Json.requireLong(n, "pageCount", what),
                pages != null && pages.canConvertToLong() ? pages.asLong() : -1, ch,
                counter != null && counter.canConvertToLong() ? counter.asLong() : -1, null, 0, 0);
    }

    /** Whether the commit landed on a newer version than its base (others' commits in between). */
    boolean merged() {
        return changed != null;
    }
}
