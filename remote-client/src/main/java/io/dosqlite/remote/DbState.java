package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;

/** Database info: {@code {"name","pageSize","pageCount","version","oldestReadableVersion"}}. */
record DbState(long version, int pageSize, long pageCount) {

    static DbState parse(byte[] body, String what) throws PageStoreException {
        JsonNode n = Json.parse(body, what);
        return new DbState(Json.requireLong(n, "version", what), (int) Json.requireLong(n, "pageSize", what),
                Json.requireLong(n, "pageCount", what));
    }
}
