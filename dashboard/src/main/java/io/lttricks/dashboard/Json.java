package io.lttricks.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The few JSON documents the dashboard writes itself (the rest is protobuf's JSON mapping). */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static String quote(String text) {
        return write(text);
    }

    /** The string field {@code name} of the JSON object {@code json}; null when absent or not a string. */
    static String stringField(String json, String name) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the request is not JSON: " + e.getOriginalMessage());
        }
        JsonNode v = node == null ? null : node.get(name);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
