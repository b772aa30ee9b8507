package io.dosqlite.testsupport.proxy;

/** What {@link FaultProxy} does to one request ("before": not forwarded; "after": forwarded, so the server applied it). */
public enum Fault {
    PASS,
    /** Wait {@code millis}, then forward. */
    DELAY,
    /** Close the client connection without forwarding (the request never reaches the server). */
    DROP_BEFORE,
    /** TCP reset without forwarding. */
    RESET_BEFORE,
    /** Forward (the server applies it), then close without answering: a lost acknowledgement. */
    DROP_AFTER,
    /** Forward, then TCP reset. */
    RESET_AFTER,
    /** Answer 500 without forwarding. */
    ERROR_500_BEFORE,
    /** Forward (applied), answer 500. */
    ERROR_500_AFTER,
    /** Answer 503 (overloaded) without forwarding. */
    ERROR_503_BEFORE,
    /** Forward (applied), answer 503 instead of the server's answer. */
    ERROR_503_AFTER,
    /** Hold the connection silent for {@code millis} (or until the client hangs up) without forwarding, then close. */
    STALL_BEFORE,
    /** Forward (applied), hold silent for {@code millis} (or until the client hangs up), then close. */
    STALL_AFTER,
    /** Announce the full Content-Length, send part of the body, close. */
    TRUNCATE,
    /** A consistent but shorter answer (Content-Length matches the cut body). */
    SHORT_BODY,
    /** Flip one random bit of a page-bearing (octet-stream) body. */
    BITFLIP,
    /** Serve a frame under another page number (valid CRC for that number) or swap two frames. */
    WRONG_PAGE,
    /** Replay an earlier answer to the same page list at another version. */
    OLD_VERSION,
    /** Flip one random bit of the request body (a commit or stage upload) before forwarding. */
    BITFLIP_REQUEST
}
