package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issues scoped tokens ({@code POST /v1/tokens}, docs/protocol.md): limited to a database name or
 * glob pattern, read-only or read-write, with an expiry. The server signs them with its token
 * secret, which never leaves it; asking needs the server's master token (the config's token).
 */
public final class ScopedTokens {

    /** A token as the server issued it. */
    public record Issued(String token, String scope, boolean readOnly, Instant expiresAt) {
    }

    private ScopedTokens() {
    }

    /**
     * Asks the page server of {@code server} (its database name is ignored) for a token.
     *
     * @throws PageStoreException AUTH without the master token, FORBIDDEN for a scoped one,
     *                            INVALID for a bad pattern or expiry, or when the server has no secret
     */
    public static Issued issue(RemoteConfig server, String scope, boolean readOnly, Duration expiresIn)
            throws PageStoreException {
        PageApi api = new PageApi(server, SharedHttp.forStore(server), new ClientStats());
        HttpUrl url = server.httpUrl().newBuilder().addPathSegment("v1").addPathSegment("tokens").build();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("db", scope);
        body.put("readOnly", readOnly);
        body.put("expiresIn", expiresIn.toSeconds());
        Request r = new Request.Builder().url(url).post(RequestBody.create(Json.write(body), PageApi.JSON)).build();
        // issuing twice is harmless: a second token with the same rights
        Answer a = api.execute(r, true, "issuing a token", null);
        if (a.code() == 409) {
            JsonNode m = Json.tryParse(a.body());
            throw new PageStoreException(PageStoreException.Kind.INVALID, "the page server at " + server.baseUrl()
                    + " has no token secret: " + (m == null ? "" : m.path("message").asText()));
        }
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "issuing a token", server);
        }
        JsonNode n = Json.parse(a.body(), "issuing a token");
        return new Issued(n.path("token").asText(), n.path("db").asText(scope), n.path("readOnly").asBoolean(readOnly),
                Instant.parse(n.path("expiresAt").asText()));
    }
}
