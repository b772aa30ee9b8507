package io.dosqlite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * docs/prices.json: Cloudflare's list prices in one file, so they can be updated without code.
 * Figures are marginal (monthly allowances not subtracted); duration is left out because awake
 * time depends on the traffic's shape, not on the operation (docs/cost.md).
 */
record Prices(String asOf, double workerRequest, double doRequest, double wsPerRequest, double doRowRead, double doRowWritten,
              double d1RowRead, double d1RowWritten) {

    static Prices load(Path file) throws IOException {
        JsonNode n = new ObjectMapper().readTree(file.toFile());
        JsonNode w = n.path("workers");
        JsonNode d = n.path("durableObjects");
        JsonNode d1 = n.path("d1");
        return new Prices(n.path("asOf").asText(), w.path("requestPerMillion").asDouble(), d.path("requestPerMillion").asDouble(),
                d.path("webSocketMessagesPerBilledRequest").asDouble(20), d.path("rowsReadPerMillion").asDouble(),
                d.path("rowsWrittenPerMillion").asDouble(), d1.path("rowsReadPerMillion").asDouble(), d1.path("rowsWrittenPerMillion").asDouble());
    }

    /** Dollars per million operations on a Durable Object: each HTTP request also passes the Worker in front. */
    double durableObjectPerMillion(Cost.Units u) {
        return u.requests() * (workerRequest + doRequest) + u.webSocketMessages() / wsPerRequest * doRequest
                + u.rowsRead() * doRowRead + u.rowsWritten() * doRowWritten;
    }

    /** The same statements run by D1: the Worker request and D1's row prices, no Durable Object request. */
    double d1PerMillion(Cost.Units u) {
        return u.requests() * workerRequest + u.rowsRead() * d1RowRead + u.rowsWritten() * d1RowWritten;
    }
}
