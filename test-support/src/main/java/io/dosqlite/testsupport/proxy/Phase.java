package io.dosqlite.testsupport.proxy;

/** Where in one exchange an {@link Action}'s hook runs (used to kill processes at exact points). */
public enum Phase {
    /** The request was read whole; nothing was forwarded yet. */
    BEFORE_FORWARD,
    /** The server answered; the client has nothing yet. */
    AFTER_UPSTREAM,
    /** The client got the answer. */
    AFTER_REPLY
}
