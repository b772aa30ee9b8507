package io.dosqlite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Random;

/**
 * What history and forks cost (docs/cost.md): the stored bytes a 1-row UPDATE adds to the history
 * window (so a day of history at a given write rate), and the units and bytes of one fork.
 * Stored bytes come from the info's {@code ?storage=split}.
 */
final class HistoryCost {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private HistoryCost() {
    }

    static JsonNode split(String serverUrl, String db, String token) {
        return Cost.get(serverUrl + "/v1/databases/" + db + "?storage=split", token).path("billing");
    }

    /** History bytes per 1-row UPDATE, measured over {@code n} updates. */
    static String history(Db db, String serverUrl, String name, String token, Workloads.Sizes sizes, int n) {
        Random r = new Random(5);
        JsonNode a = split(serverUrl, name, token);
        for (int i = 0; i < n; i++) {
            db.exec("UPDATE accounts SET abalance = abalance + 1 WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
        }
        JsonNode b = split(serverUrl, name, token);
        double perUpdate = (b.path("storedHistoryBytes").asDouble() - a.path("storedHistoryBytes").asDouble()) / n;
        double perDayAt1 = perUpdate * 86_400;
        return String.format(Locale.ROOT, "| history kept per 1-row UPDATE | %,.0f bytes | %.2f GB per day at 1 update/s, %.2f GB stored in steady state with the 7-day window |%n",
                perUpdate, perDayAt1 / 1e9, perDayAt1 * 7 / 1e9);
    }

    /** One fork of {@code origin}: its request, rows and the bytes both sides store afterwards. */
    static String fork(String serverUrl, String origin, String token) throws Exception {
        String name = origin + "-fork";
        JsonNode before = split(serverUrl, origin, token);
        HttpRequest req = HttpRequest.newBuilder(URI.create(serverUrl + "/v1/databases/" + origin + "/fork"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(java.util.Map.of("name", name)))).build();
        HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 201) {
            throw new IllegalStateException("fork: " + res.statusCode() + " " + res.body());
        }
        JsonNode after = split(serverUrl, origin, token);
        JsonNode fork = split(serverUrl, name, token);
        return String.format(Locale.ROOT,
                "| one fork of a %,.0f-byte database | 1 request | fork stores %,.0f bytes; origin %+,.0f bytes, %+.0f rows written (the fork record) |%n",
                before.path("storedBytes").asDouble(), fork.path("storedBytes").asDouble(),
                after.path("storedBytes").asDouble() - before.path("storedBytes").asDouble(),
                after.path("rowsWritten").asDouble() - before.path("rowsWritten").asDouble());
    }
}
