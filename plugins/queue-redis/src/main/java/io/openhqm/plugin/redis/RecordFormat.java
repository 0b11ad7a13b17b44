package io.openhqm.plugin.redis;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a {@link RequestRecord} is stored under {@code <prefix>result:<id>}: one JSON object, times in epoch
 * milliseconds, {@code id} and {@code status} first (the scripts read the status without parsing the rest), the
 * attributes as an object of their JSON values, absent when there are none (older records have none). A reply
 * body that is text (JSON, {@code text/*}, XML) is kept as a string, anything else as base64. Stateless and
 * thread-safe.
 */
final class RecordFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordFormat() {
    }

    static byte[] encode(RequestRecord r) {
        int size = 160 + (r.reply() == null ? 0 : r.reply().body().length + 64);
        return JsonText.writeRawUnicode(size, g -> {
            g.writeStartObject();
            g.writeStringField("id", r.correlationId());
            g.writeStringField("status", r.status().name());
            g.writeNumberField("submitted_at", r.submittedAt().toEpochMilli());
            g.writeNumberField("updated_at", r.updatedAt().toEpochMilli());
            g.writeNumberField("attempts", r.attempts());
            if (r.owner() != null) {
                g.writeStringField("owner", r.owner());
            }
            if (r.reply() != null) {
                writeReply(g, r.reply());
            }
            if (r.error() != null) {
                g.writeStringField("error", r.error());
            }
            if (r.processingTimeMs() != null) {
                g.writeNumberField("processing_time_ms", r.processingTimeMs().longValue());
            }
            if (r.completedAt() != null) {
                g.writeNumberField("completed_at", r.completedAt().toEpochMilli());
            }
            if (r.startedAt() != null) {
                g.writeNumberField("started_at", r.startedAt().toEpochMilli());
            }
            if (!r.attributes().isEmpty()) {
                g.writeFieldName("attributes");
                JsonText.writeRawObject(g, r.attributes());
            }
            g.writeEndObject();
        });
    }

    private static void writeReply(JsonGenerator g, Reply reply) throws IOException {
        g.writeObjectFieldStart("reply");
        g.writeStringField("content_type", reply.contentType());
        if (isText(reply.contentType()) && isUtf8(reply.body())) {
            g.writeStringField("text", new String(reply.body(), StandardCharsets.UTF_8));
        } else {
            g.writeStringField("base64", Base64.getEncoder().encodeToString(reply.body()));
        }
        if (!reply.headers().isEmpty()) {
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : reply.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
        }
        if (reply.statusCode() != null) {
            g.writeNumberField("status_code", reply.statusCode().intValue());
        }
        g.writeEndObject();
    }

    static RequestRecord decode(byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            ObjectNode n = JSON.createObjectNode();
            Map<String, String> attributes = Map.of();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if ("attributes".equals(name)) {
                    attributes = JsonText.readRawObject(parser, bytes);
                } else {
                    n.set(name, parser.readValueAsTree());
                }
            }
            Reply reply = null;
            JsonNode rep = n.get("reply");
            if (rep != null && rep.isObject()) {
                byte[] body = rep.has("text") ? rep.get("text").asText().getBytes(StandardCharsets.UTF_8)
                        : Base64.getDecoder().decode(rep.path("base64").asText(""));
                Map<String, String> headers = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = rep.path("headers").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> h = it.next();
                    headers.put(h.getKey(), h.getValue().asText());
                }
                reply = new Reply(body, rep.path("content_type").asText("application/octet-stream"), headers,
                        rep.has("status_code") ? rep.get("status_code").asInt() : null);
            }
            return new RequestRecord(n.get("id").asText(), Status.valueOf(n.get("status").asText()),
                    Instant.ofEpochMilli(n.get("submitted_at").asLong()),
                    Instant.ofEpochMilli(n.get("updated_at").asLong()), n.path("attempts").asInt(0),
                    textOrNull(n.get("owner")), reply, textOrNull(n.get("error")),
                    n.has("processing_time_ms") ? n.get("processing_time_ms").asLong() : null,
                    n.has("completed_at") ? Instant.ofEpochMilli(n.get("completed_at").asLong()) : null,
                    attributes, n.has("started_at") ? Instant.ofEpochMilli(n.get("started_at").asLong()) : null);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable result record: " + e.getMessage(), e);
        }
    }

    static byte[] encodeClaim(IdempotencyClaim claim) {
        return JsonText.write(128, g -> {
            g.writeStartObject();
            g.writeStringField("fingerprint", claim.fingerprint());
            g.writeStringField("correlation_id", claim.correlationId());
            g.writeEndObject();
        });
    }

    static IdempotencyClaim decodeClaim(String key, byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return new IdempotencyClaim(key, n.get("fingerprint").asText(), n.get("correlation_id").asText());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable idempotency claim: " + e.getMessage(), e);
        }
    }

    private static boolean isText(String contentType) {
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.startsWith("text/") || ct.contains("json") || ct.contains("xml")
                || ct.startsWith("application/x-www-form-urlencoded");
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
