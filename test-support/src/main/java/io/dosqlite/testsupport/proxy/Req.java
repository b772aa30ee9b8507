package io.dosqlite.testsupport.proxy;

import java.util.Locale;
import java.util.Map;

/**
 * One request as the client sent it, numbered by the proxy (1, 2, ...). A path prefix before
 * {@code /v1/} is split off: {@code target} starts at {@code /v1/}, {@code prefix} names the client.
 *
 * @param headers lower-case names
 */
public record Req(int seq, String method, String target, String prefix, Map<String, String> headers, byte[] body) {

    /** Splits the prefix off a request target ({@code /some/prefix/v1/...}). */
    static Req of(int seq, String method, String rawTarget, Map<String, String> headers, byte[] body) {
        int v1 = rawTarget.indexOf("/v1/");
        return v1 > 0 ? new Req(seq, method, rawTarget.substring(v1), rawTarget.substring(1, v1), headers, body)
                : new Req(seq, method, rawTarget, "", headers, body);
    }

    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The endpoint: commit, read, changes, interior, stage, commits (look-up), export, import, db, list. */
    public String endpoint() {
        String[] s = path().split("/");
        if (s.length <= 3) {
            return "list";
        }
        if (s.length == 4) {
            return "db";
        }
        return s[4];
    }

    public boolean is(String endpoint) {
        return endpoint().equals(endpoint);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    Req withBody(byte[] b) {
        return new Req(seq, method, target, prefix, headers, b);
    }

    @Override
    public String toString() {
        return "#" + seq + " " + method + " " + (prefix.isEmpty() ? "" : "[" + prefix + "]") + target;
    }
}
