package io.dosqlite.remote;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosqlite.vfs.PageStoreException;

import java.io.IOException;

/** Jackson for the JSON metadata of the page API; malformed JSON is a CORRUPT answer. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static JsonNode parse(byte[] body, String what) throws PageStoreException {
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw new IOException("not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new PageStoreException(PageStoreException.Kind.CORRUPT,
                    "malformed answer from the page server to " + what + ": " + e.getMessage(), e);
        }
    }

    /** Tolerant parse for error bodies: null if the body is not JSON. */
    static JsonNode tryParse(byte[] body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static long requireLong(JsonNode n, String field, String what) throws PageStoreException {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new PageStoreException(PageStoreException.Kind.CORRUPT,
                    "malformed answer from the page server to " + what + ": field '" + field + "' missing or not an integer");
        }
        return v.asLong();
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
