package io.dosqlite.remote;

/**
 * What one store knows of its database without asking: the newest version, page size and page
 * count it has seen (what an optimistic transaction starts on), and which life of the database its
 * cache holds pages of (see {@link Changes#incarnation()}). Shared by the store, its version check,
 * its commits and its sessions.
 */
final class KnownState {
    /** Read on every transaction start without a lock; written under this object's lock. */
    private volatile DbState newest;
    private String incarnation;

    KnownState(DbState newest, String incarnation) {
        this.newest = newest;
        this.incarnation = incarnation;
    }

    DbState newest() {
        return newest;
    }

    /** Remembers {@code state} if it is newer than what is known. */
    synchronized void learn(DbState state) {
        if (newest == null || state.version() > newest.version()) {
            newest = state;
        }
    }

    /** The incarnation of the database the cache holds pages of ("" if the server sends none). */
    synchronized String incarnation() {
        return incarnation == null ? "" : incarnation;
    }

    /**
     * Records the incarnation a server answer named; true if it is another life than the one the
     * cache holds pages of (the database was deleted and created again), in which case {@code state}
     * replaces what was known, even if its version is lower.
     */
    synchronized boolean enterIncarnation(String seen, DbState state) {
        if (seen == null || seen.equals(incarnation)) {
            return false;
        }
        boolean otherLife = incarnation != null;
        if (otherLife) {
            newest = state;
        }
        incarnation = seen;
        return otherLife;
    }
}
