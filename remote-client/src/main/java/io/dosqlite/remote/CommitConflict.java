package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;

/**
 * A commit the server refused because another client's commit came first ({@code 409 conflict}),
 * with the version the server was at: a lease holder's retry waits for that version's push instead
 * of asking for it (see {@link VersionCheck#afterConflict}).
 */
final class CommitConflict extends PageStoreException {
    private final long version;
    private final int turn;

    CommitConflict(String message, long version, int turn) {
        super(Kind.CONFLICT, message);
        this.version = version;
        this.turn = turn;
    }

    /** The server's version when it refused, or -1 if it did not say. */
    long version() {
        return version;
    }

    /** How many clients are ahead of this one on the page it was refused for (see {@link Turns}); -1: not queued. */
    static int turn(PageStoreException e) {
        return e instanceof CommitConflict c ? c.turn : -1;
    }

    /** The version a refusal ran into, or -1 for any other failure. */
    static long ranInto(PageStoreException e) {
        return e instanceof CommitConflict c ? c.version : -1;
    }
}
