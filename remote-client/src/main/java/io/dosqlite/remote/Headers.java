package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

/** The numeric X-Dosqlite-* headers of page API answers; a malformed one is a CORRUPT answer. */
final class Headers {
    private Headers() {
    }

    /** A required numeric header. */
    static long requireLong(Answer a, String name) throws PageStoreException {
        String h = a.header(name);
        if (h == null) {
            throw new PageStoreException(Kind.CORRUPT, "missing " + name + " header");
        }
        return parseLong(h, name);
    }

    static long parseLong(String value, String name) throws PageStoreException {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new PageStoreException(Kind.CORRUPT, "malformed " + name + " header: " + value);
        }
    }

    /** The page size an answer says its frames have, or {@code fallback} if it does not say. */
    static int pageSize(Answer a, int fallback) throws PageStoreException {
        String h = a.header("X-Dosqlite-Page-Size");
        return h == null ? fallback : (int) parseLong(h, "X-Dosqlite-Page-Size");
    }
}
