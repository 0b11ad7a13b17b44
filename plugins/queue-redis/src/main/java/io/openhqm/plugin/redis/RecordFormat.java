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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** Hand-written (no generator per call): this runs for every status change on the submission hot path. */
    static byte[] encode(RequestRecord r) {
        StringBuilder out = new StringBuilder(160 + (r.reply() == null ? 0 : r.reply().body().length + 64));
        out.append("{\"id\":");
        JsonText.appendString(out, r.correlationId());
        out.append(",\"status\":\"").append(r.status().name()).append('"');
        out.append(",\"submitted_at\":").append(r.submittedAt().toEpochMilli());
        out.append(",\"updated_at\":").append(r.updatedAt().toEpochMilli());
        out.append(",\"attempts\":").append(r.attempts());
        if (r.owner() != null) {
            out.append(",\"owner\":");
            JsonText.appendString(out, r.owner());
        }
        if (r.reply() != null) {
            Reply reply = r.reply();
            out.append(",\"reply\":{\"content_type\":");
            JsonText.appendString(out, reply.contentType());
            if (isText(reply.contentType()) && isUtf8(reply.body())) {
                out.append(",\"text\":");
                JsonText.appendString(out, new String(reply.body(), StandardCharsets.UTF_8));
            } else {
                out.append(",\"base64\":\"").append(Base64.getEncoder().encodeToString(reply.body())).append('"');
            }
            if (!reply.headers().isEmpty()) {
                out.append(",\"headers\":{");
                boolean first = true;
                for (Map.Entry<String, String> h : reply.headers().entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    JsonText.appendString(out, h.getKey());
                    out.append(':');
                    JsonText.appendString(out, h.getValue());
                }
                out.append('}');
            }
            if (reply.statusCode() != null) {
                out.append(",\"status_code\":").append(reply.statusCode().intValue());
            }
            out.append('}');
        }
        if (r.error() != null) {
            out.append(",\"error\":");
            JsonText.appendString(out, r.error());
        }
        if (r.processingTimeMs() != null) {
            out.append(",\"processing_time_ms\":").append(r.processingTimeMs().longValue());
        }
        if (r.completedAt() != null) {
            out.append(",\"completed_at\":").append(r.completedAt().toEpochMilli());
        }
        if (r.startedAt() != null) {
            out.append(",\"started_at\":").append(r.startedAt().toEpochMilli());
        }
        if (!r.attributes().isEmpty()) {
            out.append(",\"attributes\":");
            JsonText.appendRawObject(out, r.attributes());
        }
        return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("fingerprint", claim.fingerprint());
            g.writeStringField("correlation_id", claim.correlationId());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
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
