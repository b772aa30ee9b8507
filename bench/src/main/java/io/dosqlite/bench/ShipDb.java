package io.dosqlite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Client of the statement-shipping Worker (D1-style): one HTTP request per statement, one
 * {@code /batch} request per transaction (all statements of it, atomic on the server, as D1's
 * {@code batch()}); no read transactions across requests.
 */
final class ShipDb implements Db {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final String health;
    private HttpClient http;
    private long requests;

    ShipDb(int port, String database) {
        this.base = "http://127.0.0.1:" + port + "/db/" + database;
        this.health = "http://127.0.0.1:" + port + "/health";
        reopen();
    }

    private JsonNode post(String path, Object body) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofMinutes(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
            requests++;
            HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode n = JSON.readTree(res.body());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("shipping server " + res.statusCode() + ": " + n);
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException("shipping request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> stmt(String sql, Object[] params) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sql", sql);
        m.put("params", params);
        return m;
    }

    private static List<Object[]> rows(JsonNode result) {
        List<Object[]> out = new ArrayList<>();
        for (JsonNode r : result.get("rows")) {
            Object[] row = new Object[r.size()];
            for (int i = 0; i < row.length; i++) {
                JsonNode v = r.get(i);
                row[i] = v.isNull() ? null : v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? (Object) v.asDouble() : v.asText();
            }
            out.add(row);
        }
        return out;
    }

    @Override
    public List<Object[]> exec(String sql, Object... params) {
        return rows(post("/query", stmt(sql, params)));
    }

    @Override
    public List<List<Object[]>> txn(List<Stmt> stmts) {
        List<Map<String, Object>> list = new ArrayList<>(stmts.size());
        for (Stmt s : stmts) {
            list.add(stmt(s.sql(), s.params()));
        }
        JsonNode n = post("/batch", Map.of("statements", list));
        List<List<Object[]>> out = new ArrayList<>();
        for (JsonNode r : n.get("results")) {
            out.add(rows(r));
        }
        return out;
    }

    @Override
    public void bulk(String insertSql, List<Object[]> rows) {
        List<Stmt> stmts = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            stmts.add(new Stmt(insertSql, r));
        }
        txn(stmts);
    }

    @Override
    public void beginRead() {
        // no read transaction spans requests in statement shipping
    }

    @Override
    public List<Object[]> query(String sql, Object... params) {
        return exec(sql, params);
    }

    @Override
    public void endRead() {
    }

    /**
     * A new HTTP client that connects at once (one cheap request, as a pool validates a
     * connection), so that "open" pays the TCP handshake as it does for the JDBC systems.
     */
    @Override
    public void reopen() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        try {
            requests++;
            http.send(HttpRequest.newBuilder(URI.create(health)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new IllegalStateException("shipping server unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public long requests() {
        return requests;
    }

    @Override
    public void close() {
        http = null;
    }
}
