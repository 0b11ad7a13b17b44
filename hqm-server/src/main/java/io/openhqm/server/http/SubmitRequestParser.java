package io.openhqm.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.server.ingress.Submission;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@code POST /api/v1/submit} request into a {@link Submission}, or a {@link Problem} naming the bad
 * field. Forwarded headers are those listed in {@code proxy.forward_headers} ({@code "*"}: all) and the W3C trace
 * context, never hop-by-hop ones and never the header that carried the caller's OpenHQM API key. Metadata fields OpenHQM does not define become the
 * message's attributes (name → the value's JSON text), within {@value #MAX_ATTRIBUTES} fields and
 * {@value #MAX_ATTRIBUTE_BYTES} bytes.
 */
final class SubmitRequestParser {
    private static final Set<String> METADATA = Set.of("priority", "timeout", "endpoint", "method",
            "partition_key");
    private static final int MAX_PARTITION_KEY = SubmissionHeaders.MAX_PARTITION_KEY;
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
    private static final long MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
    static final int MAX_ATTRIBUTES = 32;
    static final int MAX_ATTRIBUTE_BYTES = 16 * 1024;
    static final int MAX_ATTRIBUTE_NAME = 128;

    private final boolean forwardAll;
    /** Without {@code "*"}: the names carried (lower-case), looked up instead of lower-casing every header. */
    private final List<HttpString> carriedNames;

    SubmitRequestParser(List<String> forwardHeaders) {
        Set<String> names = Set.copyOf(forwardHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
        this.forwardAll = names.contains("*");
        Set<String> carried = new LinkedHashSet<>(SubmissionHeaders.TRACE_CONTEXT);
        carried.addAll(names);
        carried.removeIf(HopByHopHeaders::contains);
        this.carriedNames = carried.stream().map(HttpString::new).toList();
    }

    Submission parse(HttpServerExchange exchange, byte[] raw, ApiKeys.Caller caller) throws InvalidRequest {
        Fields fields = fields(raw);
        if (fields.payload == null) {
            throw new InvalidRequest(Problem.invalid("payload", "The field \"payload\" is required."));
        }
        Map<String, String> headers = forwarded(exchange, caller.credentialHeader());
        JsonNode given = fields.headers;
        if (given != null && !given.isNull()) {
            if (!given.isObject()) {
                throw new InvalidRequest(Problem.invalid("headers", "\"headers\" must be an object of strings."));
            }
            for (var entry : given.properties()) {
                if (!entry.getValue().isTextual()) {
                    throw new InvalidRequest(Problem.invalid("headers." + entry.getKey(),
                            "Header values must be strings."));
                }
                String name = entry.getKey().toLowerCase(Locale.ROOT);
                if (!HopByHopHeaders.contains(name)) {
                    headers.put(name, entry.getValue().textValue());
                }
            }
        }
        JsonNode metadata = fields.metadata;
        int priority = 0;
        Duration timeout = null;
        String endpoint = null;
        String method = null;
        String partitionKey = null;
        Map<String, String> attributes = Map.of();
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isObject()) {
                throw new InvalidRequest(Problem.invalid("metadata", "\"metadata\" must be an object."));
            }
            attributes = attributes(metadata);
            priority = priority(metadata.get("priority"));
            timeout = timeout(metadata.get("timeout"));
            endpoint = text(metadata.get("endpoint"), "metadata.endpoint");
            method = text(metadata.get("method"), "metadata.method");
            partitionKey = text(metadata.get("partition_key"), "metadata.partition_key");
            if (partitionKey != null && partitionKey.length() > MAX_PARTITION_KEY) {
                throw new InvalidRequest(Problem.invalid("metadata.partition_key", "metadata.partition_key must be at most "
                        + MAX_PARTITION_KEY + " characters."));
            }
            if (method != null) {
                method = method.toUpperCase(Locale.ROOT);
                if (!METHOD.matcher(method).matches()) {
                    throw new InvalidRequest(Problem.invalid("metadata.method", "\"" + method + "\" is not an HTTP method."));
                }
            }
        }
        String requestedId = SubmissionHeaders.requestedId(exchange);
        String idempotencyKey = SubmissionHeaders.idempotencyKey(exchange);
        byte[] body = fields.payload;
        String fingerprint = idempotencyKey == null ? null : HexFormat.of().formatHex(ApiKeys.digest(raw));
        return new Submission(body, "application/json", headers, endpoint, method, null, null, priority, timeout,
                partitionKey, requestedId, idempotencyKey, caller.owner(), fingerprint, attributes);
    }

    private static Map<String, String> attributes(JsonNode metadata) throws InvalidRequest {
        Map<String, String> attributes = new LinkedHashMap<>();
        int bytes = 0;
        for (var entry : metadata.properties()) {
            String name = entry.getKey();
            if (METADATA.contains(name)) {
                continue;
            }
            String field = "metadata." + name;
            if (name.isEmpty() || name.length() > MAX_ATTRIBUTE_NAME) {
                throw new InvalidRequest(Problem.invalid(field, "Metadata field names must be 1-" + MAX_ATTRIBUTE_NAME
                        + " characters long."));
            }
            if (attributes.size() == MAX_ATTRIBUTES) {
                throw new InvalidRequest(Problem.invalid(field, "metadata has more than " + MAX_ATTRIBUTES
                        + " fields besides priority, timeout, endpoint, method and partition_key."));
            }
            String json;
            try {
                json = Json.MAPPER.writeValueAsString(entry.getValue());
            } catch (JsonProcessingException e) {
                throw new InvalidRequest(Problem.invalid(field, "The value of " + field + " cannot be stored."));
            }
            bytes += name.getBytes(StandardCharsets.UTF_8).length + json.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_ATTRIBUTE_BYTES) {
                throw new InvalidRequest(Problem.invalid(field, "metadata fields besides priority, timeout, endpoint, method"
                        + " and partition_key may hold at most " + MAX_ATTRIBUTE_BYTES + " bytes of JSON in all."));
            }
            attributes.put(name, json);
        }
        return attributes;
    }

    /** The top-level fields of a submission; {@code payload} as the JSON bytes the client sent. */
    private record Fields(byte[] payload, JsonNode headers, JsonNode metadata) {
    }

    /**
     * Reads the body with a streaming parser: an object or array {@code payload} is sliced out of the raw bytes
     * as sent, without building a tree of it and writing it again.
     */
    private static Fields fields(byte[] raw) throws InvalidRequest {
        byte[] payload = null;
        JsonNode headers = null;
        JsonNode metadata = null;
        try (JsonParser parser = Json.MAPPER.createParser(raw)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequest(Problem.badRequest(
                        "The body must be a JSON object like {\"payload\": {...}, \"metadata\": {...}}."));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "payload" -> payload = payload(parser, value, raw);
                    case "headers" -> headers = parser.readValueAsTree();
                    case "metadata" -> metadata = parser.readValueAsTree();
                    default -> throw new InvalidRequest(Problem.invalid(name, "Unknown field \"" + name
                            + "\"; the body accepts payload, headers and metadata."));
                }
            }
            if (parser.nextToken() != null) {
                throw new InvalidRequest(Problem.badRequest("The body has content after its JSON object."));
            }
        } catch (StreamConstraintsException e) {
            throw new InvalidRequest(Problem.badRequest(beyondLimits(e)));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidRequest(Problem.badRequest("The body is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ").")));
        } catch (IOException e) {
            throw new InvalidRequest(Problem.badRequest("The body could not be read."));
        }
        return new Fields(payload, headers, metadata);
    }

    private static String beyondLimits(StreamConstraintsException e) {
        StreamReadConstraints limits = StreamReadConstraints.defaults();
        String message = String.valueOf(e.getOriginalMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("nesting")) {
            return "The body nests JSON deeper than " + limits.getMaxNestingDepth() + " levels.";
        }
        if (message.contains("number")) {
            return "The body holds a number longer than " + limits.getMaxNumberLength() + " characters.";
        }
        if (message.contains("name")) {
            return "The body holds a field name longer than " + limits.getMaxNameLength() + " characters.";
        }
        return "The body exceeds the limits of accepted JSON (nesting depth, number or string length).";
    }

    private static byte[] payload(JsonParser parser, JsonToken value, byte[] raw) throws IOException {
        long start = parser.currentTokenLocation().getByteOffset();
        if ((value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) && start >= 0) {
            parser.skipChildren();
            long end = parser.currentLocation().getByteOffset();
            if (end > start && end <= raw.length) {
                return Arrays.copyOfRange(raw, (int) start, (int) end);
            }
        }
        return Json.MAPPER.writeValueAsBytes(parser.<JsonNode>readValueAsTree());
    }

    private Map<String, String> forwarded(HttpServerExchange exchange, String credentialHeader) {
        Map<String, String> headers = new HashMap<>();
        if (forwardAll) {
            for (HeaderValues values : exchange.getRequestHeaders()) {
                String name = values.getHeaderName().toString().toLowerCase(Locale.ROOT);
                if (!HopByHopHeaders.contains(name) && !name.equals(credentialHeader)) {
                    headers.put(name, String.join(", ", values));
                }
            }
            return headers;
        }
        for (HttpString name : carriedNames) {
            HeaderValues values = exchange.getRequestHeaders().get(name);
            if (values != null && !values.isEmpty() && !name.toString().equals(credentialHeader)) {
                headers.put(name.toString(), String.join(", ", values));
            }
        }
        return headers;
    }

    private static int priority(JsonNode node) throws InvalidRequest {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asLong() < MessageMetadata.MIN_PRIORITY
                || node.asLong() > MessageMetadata.MAX_PRIORITY) {
            throw new InvalidRequest(Problem.invalid("metadata.priority",
                    "metadata.priority must be a whole number from 0 to 9, was " + node + "."));
        }
        return node.asInt();
    }

    private static Duration timeout(JsonNode node) throws InvalidRequest {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.asDouble() <= 0 || node.asDouble() > MAX_TIMEOUT_SECONDS) {
            throw new InvalidRequest(Problem.invalid("metadata.timeout",
                    "metadata.timeout must be a number of seconds greater than 0 and at most " + MAX_TIMEOUT_SECONDS
                            + ", was " + node + "."));
        }
        return Duration.ofMillis(Math.round(node.asDouble() * 1000));
    }

    private static String text(JsonNode node, String field) throws InvalidRequest {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw new InvalidRequest(Problem.invalid(field, field + " must be a non-empty string, was " + node + "."));
        }
        return node.textValue();
    }
}
