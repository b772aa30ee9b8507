package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;

/**
 * Answer of {@code changes?since=V}: the newest version and the pages written after V, and the
 * database's incarnation (changes when it is deleted and created again; null from older servers).
 */
record Changes(long version, int pageSize, long pageCount, long[] changed, boolean complete, String incarnation) {

    static Changes parse(byte[] body, String what) throws PageStoreException {
        JsonNode n = Json.parse(body, what);
        long version = Json.requireLong(n, "version", what);
        int pageSize = (int) Json.requireLong(n, "pageSize", what);
        long pageCount = Json.requireLong(n, "pageCount", what);
        JsonNode c = n.get("changed");
        JsonNode complete = n.get("complete");
        if (c == null || !c.isArray() || complete == null || !complete.isBoolean()) {
            throw new PageStoreException(PageStoreException.Kind.CORRUPT,
                    "malformed answer from the page server to " + what + ": 'changed' or 'complete' missing");
        }
        long[] changed = new long[c.size()];
        for (int i = 0; i < changed.length; i++) {
            if (!c.get(i).isIntegralNumber()) {
                throw new PageStoreException(PageStoreException.Kind.CORRUPT,
                        "malformed answer from the page server to " + what + ": non-integer page number");
            }
            changed[i] = c.get(i).asLong();
        }
        return new Changes(version, pageSize, pageCount, changed, complete.asBoolean(), incarnation(n));
    }

    /** The {@code incarnation} field of an info or changes answer, or null. */
    static String incarnation(JsonNode answer) {
        JsonNode i = answer.get("incarnation");
        return i == null || i.isNull() ? null : i.asText();
    }
}
