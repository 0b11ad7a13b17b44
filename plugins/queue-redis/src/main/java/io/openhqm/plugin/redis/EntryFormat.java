package io.openhqm.plugin.redis;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a message is written into and read from a stream entry.
 *
 * <p>OpenHQM's own entries: a {@code body} field with the payload bytes, plus metadata fields, each present only
 * when set: {@code correlation_id}, {@code content_type}, {@code headers} (JSON object), {@code endpoint},
 * {@code method}, {@code path}, {@code query}, {@code priority}, {@code timeout_ms}, {@code submitted_at} (epoch
 * milliseconds), {@code partition_key}, {@code idempotency_key}, {@code owner}, {@code attributes} (JSON object of
 * the attributes' values, each kept as the exact JSON text given), {@code attempt} (the attempt number of the next
 * delivery, default 1) and {@code history} (JSON array of {@code {"attempt", "at", "error"}}).
 *
 * <p>Also understood: a plain {@code XADD stream * body '...'} from any producer (its correlation id is the entry
 * id, so {@code XADD}'s answer is the id to poll), and the earlier Python OpenHQM's entries: one field
 * {@code payload} holding the JSON of the whole message (its {@code metadata} fields other than {@code priority},
 * {@code timeout}, {@code endpoint} and {@code method} become attributes). Stateless and thread-safe.
 */
final class EntryFormat {
    static final String BODY = "body";
    static final String LEGACY_PAYLOAD = "payload";
    static final String DEFAULT_CONTENT_TYPE = "application/json";
    private static final Set<String> LEGACY_METADATA = Set.of("priority", "timeout", "endpoint", "method");

    private static final ObjectMapper JSON = new ObjectMapper();

    private EntryFormat() {
    }

    /**
     * A message read from an entry, with its attempt number and earlier failures; {@code handedBack} if a worker
     * wrote the entry (a retry, a deferral or a dead letter: its {@code attempt} field is set), so the message was
     * delivered before.
     */
    record Decoded(Message message, int attempt, List<AttemptFailure> history, boolean handedBack) {
    }

    /** An entry that is not a message (no {@code body}, no readable {@code payload}). */
    static final class Undecodable extends Exception {
        Undecodable(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The fields of a new entry for {@code message}. */
    static Map<String, byte[]> encode(Message message) {
        return encode(message, 0, List.of());
    }

    /**
     * The fields of an entry for {@code message} handed back by a worker: {@code attempt} is the number of its next
     * delivery (written even when 1: it marks the entry as handed back).
     */
    static Map<String, byte[]> encode(Message message, int attempt, List<AttemptFailure> history) {
        Map<String, byte[]> fields = new LinkedHashMap<>(16);
        fields.put(BODY, message.body());
        fields.put("correlation_id", utf8(message.correlationId()));
        if (!DEFAULT_CONTENT_TYPE.equals(message.contentType())) {
            fields.put("content_type", utf8(message.contentType()));
        }
        if (!message.headers().isEmpty()) {
            fields.put("headers", stringsJson(message.headers()));
        }
        MessageMetadata m = message.metadata();
        putIfSet(fields, "endpoint", m.endpoint());
        putIfSet(fields, "method", m.method());
        putIfSet(fields, "path", m.path());
        putIfSet(fields, "query", m.query());
        if (m.priority() != 0) {
            fields.put("priority", utf8(Integer.toString(m.priority())));
        }
        if (m.timeout() != null) {
            fields.put("timeout_ms", utf8(Long.toString(m.timeout().toMillis())));
        }
        fields.put("submitted_at", utf8(Long.toString(m.submittedAt().toEpochMilli())));
        putIfSet(fields, "partition_key", m.partitionKey());
        putIfSet(fields, "idempotency_key", m.idempotencyKey());
        putIfSet(fields, "owner", m.owner());
        if (!m.attributes().isEmpty()) {
            fields.put("attributes", JsonText.rawObject(m.attributes()));
        }
        if (attempt > 0) {
            fields.put("attempt", utf8(Integer.toString(attempt)));
        }
        if (!history.isEmpty()) {
            fields.put("history", historyJson(history));
        }
        return fields;
    }

    /** Reads an entry of {@code stream} with id {@code entryId}. */
    static Decoded decode(String entryId, Map<String, byte[]> fields) throws Undecodable {
        if (fields.containsKey(BODY)) {
            return decodeOwn(entryId, fields);
        }
        if (fields.containsKey(LEGACY_PAYLOAD)) {
            return decodeLegacy(entryId, fields.get(LEGACY_PAYLOAD));
        }
        throw new Undecodable("the entry has neither a \"body\" nor a \"payload\" field (fields: "
                + String.join(", ", fields.keySet()) + ")");
    }

    private static Decoded decodeOwn(String entryId, Map<String, byte[]> f) throws Undecodable {
        try {
            String id = text(f, "correlation_id");
            String contentType = text(f, "content_type");
            String submitted = text(f, "submitted_at");
            String priority = text(f, "priority");
            String timeout = text(f, "timeout_ms");
            String attempt = text(f, "attempt");
            MessageMetadata metadata = new MessageMetadata(text(f, "endpoint"), text(f, "method"), text(f, "path"),
                    text(f, "query"), priority == null ? 0 : clampPriority(Integer.parseInt(priority.trim())),
                    timeout == null ? null : Duration.ofMillis(Long.parseLong(timeout.trim())),
                    submitted == null ? entryTime(entryId) : Instant.ofEpochMilli(Long.parseLong(submitted.trim())),
                    text(f, "partition_key"), text(f, "idempotency_key"), text(f, "owner"),
                    f.containsKey("attributes") ? attributes(f.get("attributes")) : Map.of());
            Map<String, String> headers = f.containsKey("headers") ? stringMap(JSON.readTree(f.get("headers")))
                    : Map.of();
            Message message = new Message(id == null || id.isBlank() ? entryId : id, f.get(BODY),
                    contentType == null || contentType.isBlank() ? DEFAULT_CONTENT_TYPE : contentType, headers,
                    metadata);
            return new Decoded(message, attempt == null ? 1 : Math.max(1, Integer.parseInt(attempt.trim())),
                    f.containsKey("history") ? history(JSON.readTree(f.get("history"))) : List.of(),
                    attempt != null || f.containsKey("history"));
        } catch (IOException | RuntimeException e) {
            throw new Undecodable("a metadata field is malformed: " + e.getMessage());
        }
    }

    /** Python OpenHQM: {@code payload} = JSON of {correlation_id, payload, headers, metadata, submitted_at}. */
    private static Decoded decodeLegacy(String entryId, byte[] raw) throws Undecodable {
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            // Not a message object: take the field as the body, with defaults.
            return new Decoded(new Message(entryId, raw, DEFAULT_CONTENT_TYPE, Map.of(),
                    MessageMetadata.defaults(entryTime(entryId))), 1, List.of(), false);
        }
        try {
            String id = textOf(root.get("correlation_id"));
            JsonNode payload = root.has("payload") ? root.get("payload") : root;
            byte[] body = JSON.writeValueAsBytes(payload);
            Map<String, String> headers = root.path("headers").isObject() ? stringMap(root.get("headers")) : Map.of();
            JsonNode meta = root.path("metadata");
            Map<String, String> attributes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!LEGACY_METADATA.contains(field.getKey())) {
                    attributes.put(field.getKey(), field.getValue().toString());
                }
            }
            Integer priority = meta.path("priority").isNumber() ? meta.get("priority").asInt() : null;
            Duration timeout = meta.path("timeout").isNumber()
                    ? Duration.ofMillis((long) (meta.get("timeout").asDouble() * 1000)) : null;
            Instant submitted = legacyTime(root.get("submitted_at"), entryTime(entryId));
            MessageMetadata metadata = new MessageMetadata(textOf(meta.get("endpoint")), textOf(meta.get("method")),
                    null, null, priority == null ? 0 : clampPriority(priority), timeout, submitted, null, null, null,
                    attributes);
            return new Decoded(new Message(id == null || id.isBlank() ? entryId : id, body, DEFAULT_CONTENT_TYPE,
                    headers, metadata), 1, List.of(), false);
        } catch (IOException | RuntimeException e) {
            throw new Undecodable("the \"payload\" field is not a readable OpenHQM message: " + e.getMessage());
        }
    }

    /** The failures as stored in the {@code history} field. */
    static byte[] historyJson(List<AttemptFailure> history) {
        return JsonText.write(64 + 64 * history.size(), g -> {
            g.writeStartArray();
            for (AttemptFailure failure : history) {
                g.writeStartObject();
                g.writeNumberField("attempt", failure.attempt());
                g.writeStringField("at", failure.at().toString());
                g.writeStringField("error", failure.error());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static byte[] stringsJson(Map<String, String> strings) {
        return JsonText.write(16 + 32 * strings.size(), g -> {
            g.writeStartObject();
            for (Map.Entry<String, String> e : strings.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        });
    }

    static List<AttemptFailure> history(JsonNode array) {
        if (array == null || !array.isArray()) {
            return List.of();
        }
        List<AttemptFailure> out = new ArrayList<>(array.size());
        for (JsonNode item : (ArrayNode) array) {
            out.add(new AttemptFailure(Math.max(1, item.path("attempt").asInt(1)),
                    Instant.parse(item.path("at").asText(Instant.EPOCH.toString())), item.path("error").asText("")));
        }
        return out;
    }

    static List<AttemptFailure> history(byte[] json) {
        if (json == null) {
            return List.of();
        }
        try {
            return history(JSON.readTree(json));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** When an entry was added, from its id ({@code <ms>-<seq>}); now if the id is not of that form. */
    static Instant entryTime(String entryId) {
        int dash = entryId.indexOf('-');
        try {
            return Instant.ofEpochMilli(Long.parseLong(dash > 0 ? entryId.substring(0, dash) : entryId));
        } catch (NumberFormatException e) {
            return Instant.now();
        }
    }

    private static Instant legacyTime(JsonNode node, Instant fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isNumber()) {
            double v = node.asDouble();
            return v > 1e11 ? Instant.ofEpochMilli((long) v) : Instant.ofEpochMilli((long) (v * 1000));
        }
        String s = node.asText();
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                return fallback;
            }
        }
    }

    private static Map<String, String> attributes(byte[] json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return JsonText.readRawObject(parser, json);
        }
    }

    private static int clampPriority(int p) {
        return Math.max(MessageMetadata.MIN_PRIORITY, Math.min(MessageMetadata.MAX_PRIORITY, p));
    }

    private static Map<String, String> stringMap(JsonNode object) {
        if (object == null || !object.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        return out;
    }

    private static String textOf(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static String text(Map<String, byte[]> fields, String name) {
        byte[] v = fields.get(name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static void putIfSet(Map<String, byte[]> fields, String name, String value) {
        if (value != null) {
            fields.put(name, utf8(value));
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
