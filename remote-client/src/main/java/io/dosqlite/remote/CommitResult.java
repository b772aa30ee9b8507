package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;

/** Answer of a commit (or of the commit look-up): {@code {"version","pageCount","pages"}}. */
record CommitResult(long version, long pageCount, long pages) {

    static CommitResult parse(byte[] body, String what) throws PageStoreException {
        JsonNode n = Json.parse(body, what);
        JsonNode pages = n.get("pages");
        return new CommitResult(Json.requireLong(n, "version", what), Json.requireLong(n, "pageCount", what),
                pages != null && pages.canConvertToLong() ? pages.asLong() : -1);
    }
}
