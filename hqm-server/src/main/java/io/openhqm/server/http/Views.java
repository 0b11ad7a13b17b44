package io.openhqm.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of the HTTP API (CONTRACT §3). */
final class Views {
    private Views() {
    }

    /**
     * The 202 answer: {@code {"correlation_id", "status", "submitted_at"}}. An id of printable ASCII that needs no
     * escaping (every id this listener hands out or accepts) is written as text; any other by the streaming
     * generator, which escapes it. Both give the same bytes.
     */
    static ByteBuffer acceptedJson(RequestRecord record) {
        String id = record.correlationId();
        if (!needsNoEscaping(id)) {
            return acceptedJsonEscaped(record);
        }
        String json = "{\"correlation_id\":\"" + id + "\",\"status\":\"" + record.status().name()
                + "\",\"submitted_at\":\"" + time(record.submittedAt()) + "\"}";
        return ByteBuffer.wrap(json.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean needsNoEscaping(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer acceptedJsonEscaped(RequestRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(112);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("correlation_id", record.correlationId());
            g.writeStringField("status", record.status().name());
            g.writeStringField("submitted_at", time(record.submittedAt()));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a 202 response", e);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    static Map<String, Object> status(RequestRecord record) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("correlation_id", record.correlationId());
        view.put("status", record.status().name());
        view.put("submitted_at", time(record.submittedAt()));
        view.put("updated_at", time(record.updatedAt()));
        view.put("attempts", record.attempts());
        if (record.error() != null) {
            view.put("error", record.error());
        }
        view.put("attributes", attributes(record));
        return view;
    }

    static Map<String, Object> response(RequestRecord record) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("correlation_id", record.correlationId());
        view.put("status", record.status().name());
        Reply reply = record.status().isTerminal() ? record.reply() : null;
        view.put("result", reply == null ? null : result(reply, view));
        view.put("headers", reply == null ? Map.of() : reply.headers());
        view.put("status_code", reply == null ? null : reply.statusCode());
        view.put("error", record.status().isTerminal() ? record.error() : null);
        view.put("processing_time_ms", record.processingTimeMs());
        view.put("completed_at", time(record.completedAt()));
        view.put("attributes", attributes(record));
        return view;
    }

    /** The submission's extra metadata fields as JSON values (a value stored as invalid JSON as a string). */
    private static Map<String, Object> attributes(RequestRecord record) {
        Map<String, Object> attributes = new TreeMap<>();
        record.attributes().forEach((name, json) -> {
            Object value = json;
            try {
                JsonNode node = Json.MAPPER.readTree(json);
                if (node != null && !node.isMissingNode()) {
                    value = node;
                }
            } catch (IOException notJson) {
                // kept as the stored text
            }
            attributes.put(name, value);
        });
        return attributes;
    }

    private static Object result(Reply reply, Map<String, Object> view) {
        if (isJson(reply.contentType()) && reply.body().length > 0) {
            try {
                JsonNode node = Json.parse(reply.body());
                if (node != null) {
                    return node;
                }
            } catch (IOException notJson) {
                // returned as text below
            }
        }
        view.put("content_type", reply.contentType());
        return new String(reply.body(), StandardCharsets.UTF_8);
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
        return type.equals("application/json") || type.endsWith("+json");
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
