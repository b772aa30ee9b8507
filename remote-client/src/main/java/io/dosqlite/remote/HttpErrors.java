package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/** Maps HTTP answers and I/O failures to {@link PageStoreException}s whose message says what to do. */
final class HttpErrors {

    private HttpErrors() {
    }

    /** An error answer (non-2xx) of request {@code what} as an exception. */
    static PageStoreException fromAnswer(Answer a, String what, RemoteConfig cfg) {
        JsonNode n = Json.tryParse(a.body());
        String code = n != null && n.hasNonNull("error") ? n.get("error").asText() : "";
        String serverMsg = n != null && n.hasNonNull("message") ? n.get("message").asText()
                : new String(a.body(), 0, Math.min(a.body().length, 300), java.nio.charset.StandardCharsets.UTF_8).trim();
        String suffix = " (HTTP " + a.code() + (code.isEmpty() ? "" : " " + code) + (serverMsg.isEmpty() ? "" : ": " + serverMsg) + ")";
        switch (a.code()) {
            case 401:
                if (code.equals("token_expired")) {
                    return new PageStoreException(Kind.AUTH, "the token expired: ask for a new one (dosqlite token create)" + suffix);
                }
                if (code.equals("invalid_token")) {
                    return new PageStoreException(Kind.AUTH, "the page server at " + cfg.baseUrl() + " does not accept this"
                            + " token (altered, or its secret was rotated): ask for a new one (dosqlite token create)" + suffix);
                }
                return new PageStoreException(Kind.AUTH, "page server at " + cfg.baseUrl()
                        + " refused the request: wrong or missing token: set the token property or DOSQLITE_TOKEN" + suffix);
            case 403:
                if (code.equals("read_only")) {
                    return new PageStoreException(Kind.FORBIDDEN, what + " refused: the token is read-only; nothing was"
                            + " written. Use a read-write token to change '" + cfg.database() + "'" + suffix);
                }
                return new PageStoreException(Kind.FORBIDDEN, what + " refused: the token does not allow database '"
                        + cfg.database() + "'; use a token issued for it" + suffix);
            case 404:
                if (code.equals("not_found") || code.isEmpty()) {
                    return notFound(cfg, suffix);
                }
                if (code.equals("unknown_route")) {
                    return new PageStoreException(Kind.INVALID, "no page API at " + cfg.baseUrl() + ": check the URL's"
                            + " path; the database name is its last segment, e.g. http://127.0.0.1:8787/" + cfg.database()
                            + suffix);
                }
                return new PageStoreException(Kind.NOT_FOUND, what + " failed" + suffix);
            case 409: {
                if (code.equals("already_exists") || code.equals("has_forks")) {
                    return new PageStoreException(Kind.INVALID, what + " was refused" + suffix);
                }
                long v = n != null && n.has("version") ? n.get("version").asLong(-1) : -1;
                return new CommitConflict("commit refused: another client committed version "
                        + (v >= 0 ? String.valueOf(v) : "(newer)") + " first; retry the transaction (SQLState 40001)", v,
                        n != null && n.path("turn").canConvertToInt() ? n.path("turn").asInt() : -1);
            }
            case 410:
                if (cfg.readsThePast() || code.equals("history_expired")) {
                    return new PageStoreException(Kind.INVALID, what + ": the version asked for is outside the page server's"
                            + " history window; choose a later asOf/asOfVersion (dosqlite log lists the versions kept)" + suffix);
                }
                return new PageStoreException(Kind.SNAPSHOT_EXPIRED, "the read transaction's snapshot is older than the page"
                        + " server keeps; retry the transaction (SQLState 40001)" + suffix);
            case 429:
                return new PageStoreException(Kind.UNAVAILABLE, "the page server is overloaded and refused " + what
                        + "; try again shortly" + suffix);
            case 413:
                return new PageStoreException(Kind.TOO_LARGE, what + " is over a page server limit" + suffix);
            case 400:
            case 422:
                if (code.equals("bad_checksum")) {
                    return new PageStoreException(Kind.CORRUPT, what + ": a page failed its checksum at the server" + suffix);
                }
                return new PageStoreException(Kind.INVALID, what + " was rejected" + suffix);
            default:
                if (a.code() >= 300 && a.code() < 400 && a.header("Location") != null) {
                    return new PageStoreException(Kind.INVALID, "the page server at " + cfg.baseUrl() + " redirects to "
                            + a.header("Location") + ": use that URL (redirects are not followed)" + suffix);
                }
                if (a.code() >= 500) {
                    return new PageStoreException(Kind.IO, "page server error during " + what + suffix);
                }
                return new PageStoreException(Kind.IO, "unexpected answer to " + what + suffix);
        }
    }

    static PageStoreException notFound(RemoteConfig cfg, String suffix) {
        return new PageStoreException(Kind.NOT_FOUND, "database '" + cfg.database() + "' does not exist on the page server at "
                + cfg.baseUrl() + "; create it with createIfMissing=true (the JDBC property create, on by default)" + suffix);
    }

    /** True if nothing of the request can have reached the server. */
    static boolean notSent(IOException e) {
        return e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException
                || (e instanceof SocketTimeoutException && String.valueOf(e.getMessage()).contains("connect"));
    }

    static boolean isTimeout(IOException e) {
        return e instanceof SocketTimeoutException
                || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()));
    }

    static PageStoreException fromIOException(IOException e, boolean cancelled, String what, RemoteConfig cfg) {
        if (cancelled) {
            return new PageStoreException(Kind.UNAVAILABLE, what + " was cancelled (connection aborted)", e);
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException) {
            return new PageStoreException(Kind.UNAVAILABLE, "cannot reach page server at " + cfg.baseUrl()
                    + ": is it running? start one with ./dosqlite serve (" + e + ")", e);
        }
        if (isTimeout(e)) {
            return new PageStoreException(Kind.TIMEOUT, "the page server at " + cfg.baseUrl() + " did not answer " + what
                    + " within the timeout (" + e.getMessage() + "); check the server or raise the timeout", e);
        }
        return new PageStoreException(Kind.UNAVAILABLE, "the connection to the page server at " + cfg.baseUrl()
                + " broke during " + what + ": " + e, e);
    }
}
