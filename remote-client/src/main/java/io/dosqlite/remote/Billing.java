package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The units Cloudflare bills a database's Durable Object by, as the page server counted them (the
 * info's {@code "billing"} object, docs/protocol.md; what they cost: docs/cost.md).
 */
public record Billing(long requests, long webSocketMessages, long rowsRead, long rowsWritten, long storedBytes, long awakeMs,
                      long storedPageBytes, long storedHistoryBytes, long storedStageBytes) {

    /** Without the split of stored bytes (-1 each: not asked for, or an older server). */
    public Billing(long requests, long webSocketMessages, long rowsRead, long rowsWritten, long storedBytes, long awakeMs) {
        this(requests, webSocketMessages, rowsRead, rowsWritten, storedBytes, awakeMs, -1, -1, -1);
    }

    /** The info's billing object, or null when the server does not report one (an older server). */
    static Billing from(JsonNode info) {
        JsonNode b = info.path("billing");
        if (!b.isObject()) {
            return null;
        }
        return new Billing(b.path("requests").asLong(), b.path("webSocketMessages").asLong(), b.path("rowsRead").asLong(),
                b.path("rowsWritten").asLong(), b.path("storedBytes").asLong(), b.path("awakeMs").asLong(),
                b.path("storedPageBytes").asLong(-1), b.path("storedHistoryBytes").asLong(-1), b.path("storedStageBytes").asLong(-1));
    }
}
