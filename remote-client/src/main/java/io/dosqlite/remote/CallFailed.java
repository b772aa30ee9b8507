package io.dosqlite.remote;

import java.io.IOException;

/** One HTTP attempt failed without an answer; says whether it was cancelled and whether anything was sent. */
final class CallFailed extends Exception {

    final IOException io;
    final boolean cancelled;

    CallFailed(IOException io, boolean cancelled) {
        super(io.getMessage(), io, false, false);
        this.io = io;
        this.cancelled = cancelled;
    }

    boolean notSent() {
        return !cancelled && HttpErrors.notSent(io);
    }
}
