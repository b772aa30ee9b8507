package io.dosqlite.it.reliability;

import io.dosqlite.testsupport.TestPageServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The page API spoken directly (java.net.http), for protocol-level checks and bad input. */
final class RawHttp {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    final String base;
    final String token;

    RawHttp(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The page API at {@code base} with the test servers' token. */
    static RawHttp of(String base) {
        return new RawHttp(base, TestPageServer.TOKEN);
    }

    RawHttp withToken(String t) {
        return new RawHttp(base, t);
    }

    record Resp(int status, java.net.http.HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The JSON "error" code. */
        String error() {
            return str("error");
        }

        String str(String field) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text());
            return m.find() ? m.group(1) : null;
        }

        long num(String field) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(-?\\d+)").matcher(text());
            if (!m.find()) {
                throw new AssertionError("no numeric field " + field + " in " + this);
            }
            return Long.parseLong(m.group(1));
        }

        @Override
        public String toString() {
            String t = body.length > 400 ? text().substring(0, 400) + "..." : text();
            return "HTTP " + status + " " + (isBinary() ? "<" + body.length + " bytes>" : t);
        }

        boolean isBinary() {
            return headers.firstValue("Content-Type").orElse("").contains("octet-stream")
                    || headers.firstValue("Content-Type").orElse("").contains("sqlite");
        }
    }

    Resp send(String method, String path, byte[] body, String... headers) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Resp(r.statusCode(), r.headers(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    Resp get(String path) throws IOException {
        return send("GET", path, null);
    }

    Resp json(String method, String path, String json) throws IOException {
        return send(method, path, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    Resp create(String db, int pageSize) throws IOException {
        return json("PUT", "/v1/databases/" + db, "{\"pageSize\":" + pageSize + "}");
    }

    Resp info(String db) throws IOException {
        return get("/v1/databases/" + db);
    }

    long version(String db) throws IOException {
        Resp r = info(db);
        if (r.status() != 200) {
            throw new AssertionError("info of " + db + ": " + r);
        }
        return r.num("version");
    }

    Resp commit(String db, long base, long pageCount, int pageSize, String key, byte[] frames) throws IOException {
        return commit(db, base, pageCount, pageSize, key, null, frames);
    }

    Resp commit(String db, long base, long pageCount, int pageSize, String key, String stage, byte[] frames) throws IOException {
        String q = "?base=" + base + "&pageCount=" + pageCount + "&pageSize=" + pageSize + (stage == null ? "" : "&stage=" + stage);
        return key == null
                ? send("POST", "/v1/databases/" + db + "/commit" + q, frames, "Content-Type", "application/octet-stream")
                : send("POST", "/v1/databases/" + db + "/commit" + q, frames, "Content-Type", "application/octet-stream",
                "Idempotency-Key", key);
    }

    Resp read(String db, long version, long... pages) throws IOException {
        StringBuilder sb = new StringBuilder("{\"version\":").append(version).append(",\"pages\":[");
        for (int i = 0; i < pages.length; i++) {
            sb.append(i == 0 ? "" : ",").append(pages[i]);
        }
        return json("POST", "/v1/databases/" + db + "/read", sb.append("]}").toString());
    }

    Resp export(String db) throws IOException {
        return get("/v1/databases/" + db + "/export");
    }
}
