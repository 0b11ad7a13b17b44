package io.openhqm.plugin.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How a message is written into and read from a Kafka record: the value is the payload bytes, the key the
 * partition key, and OpenHQM's metadata travels in {@code hqm-*} headers (UTF-8 text), each present only when set:
 * {@code hqm-correlation-id}, {@code hqm-content-type}, {@code hqm-endpoint}, {@code hqm-method}, {@code hqm-path},
 * {@code hqm-query}, {@code hqm-priority}, {@code hqm-timeout-ms}, {@code hqm-submitted-at} (epoch ms),
 * {@code hqm-idempotency-key}, {@code hqm-owner}, {@code hqm-attr-<name>} (an attribute's JSON text) and
 * {@code hqm-h-<name>} (a message header). Records on a retry topic add {@code hqm-attempt} (the attempt number of
 * their next delivery), {@code hqm-due-at} (epoch ms), one {@code hqm-failure} per failed attempt
 * ({@code "<attempt> <epoch ms> <error>"}, oldest first) and {@code hqm-source-topic}, {@code -partition},
 * {@code -offset} (where the record was first consumed).
 *
 * <p>A plain record from any producer (no {@code hqm-correlation-id}) is a message with defaults: correlation id
 * {@code <topic>-<partition>-<offset>}, content type {@code application/json} if the value parses as JSON, else
 * {@code application/octet-stream}, submitted at the record's timestamp. Headers that are not {@code hqm-*} become
 * message headers (names lower-cased) on any record. Stateless and thread-safe.
 */
final class RecordFormat {
    static final String PREFIX = "hqm-";
    static final String CORRELATION_ID = "hqm-correlation-id";
    static final String CONTENT_TYPE = "hqm-content-type";
    static final String ENDPOINT = "hqm-endpoint";
    static final String METHOD = "hqm-method";
    static final String PATH = "hqm-path";
    static final String QUERY = "hqm-query";
    static final String PRIORITY = "hqm-priority";
    static final String TIMEOUT_MS = "hqm-timeout-ms";
    static final String SUBMITTED_AT = "hqm-submitted-at";
    static final String IDEMPOTENCY_KEY = "hqm-idempotency-key";
    static final String OWNER = "hqm-owner";
    static final String ATTRIBUTE = "hqm-attr-";
    static final String HEADER = "hqm-h-";
    static final String ATTEMPT = "hqm-attempt";
    static final String DUE_AT = "hqm-due-at";
    static final String FAILURE = "hqm-failure";
    static final String SOURCE_TOPIC = "hqm-source-topic";
    static final String SOURCE_PARTITION = "hqm-source-partition";
    static final String SOURCE_OFFSET = "hqm-source-offset";
    static final String DLQ_REASON = "hqm-dlq-reason";
    static final String DLQ_AT = "hqm-dlq-at";
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";

    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private RecordFormat() {
    }

    /** Where a record was first consumed: its own coordinates, or those its retry record carries. */
    record Source(String topic, int partition, long offset) {
    }

    /** A message read from a record, with its attempt number, earlier failures and due time (0: due now). */
    record Decoded(Message message, int attempt, List<AttemptFailure> history, long dueAtMs, Source source) {
    }

    /** The headers of a message as OpenHQM publishes it. */
    static Headers encode(Message message) {
        Headers headers = new RecordHeaders();
        MessageMetadata m = message.metadata();
        put(headers, CORRELATION_ID, message.correlationId());
        put(headers, CONTENT_TYPE, message.contentType());
        put(headers, ENDPOINT, m.endpoint());
        put(headers, METHOD, m.method());
        put(headers, PATH, m.path());
        put(headers, QUERY, m.query());
        if (m.priority() != 0) {
            put(headers, PRIORITY, Integer.toString(m.priority()));
        }
        if (m.timeout() != null) {
            put(headers, TIMEOUT_MS, Long.toString(m.timeout().toMillis()));
        }
        put(headers, SUBMITTED_AT, Long.toString(m.submittedAt().toEpochMilli()));
        put(headers, IDEMPOTENCY_KEY, m.idempotencyKey());
        put(headers, OWNER, m.owner());
        m.attributes().forEach((name, json) -> put(headers, ATTRIBUTE + name, json));
        message.headers().forEach((name, value) -> put(headers, HEADER + name, value));
        return headers;
    }

    /** The headers of a record on a retry topic: the message, its next attempt, history, due time and source. */
    static Headers encodeRetry(Message message, int attempt, List<AttemptFailure> history, long dueAtMs,
                               Source source) {
        Headers headers = encode(message);
        put(headers, ATTEMPT, Integer.toString(attempt));
        put(headers, DUE_AT, Long.toString(dueAtMs));
        history.forEach(failure -> put(headers, FAILURE, failure(failure)));
        putSource(headers, source);
        return headers;
    }

    /**
     * The headers of a dead letter: the record's own headers (without the retry bookkeeping), the message's
     * correlation id and content type if the record had none, then the attempt, the history, the reason and time,
     * and the source coordinates.
     */
    static Headers encodeDeadLetter(ConsumerRecord<byte[], byte[]> record, Message message, int attempt,
                                    List<AttemptFailure> history, String reason, Instant at, Source source) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            String key = header.key();
            if (!key.equals(ATTEMPT) && !key.equals(DUE_AT) && !key.equals(FAILURE) && !key.startsWith("hqm-source-")
                    && !key.startsWith("hqm-dlq-")) {
                headers.add(header);
            }
        }
        if (headers.lastHeader(CORRELATION_ID) == null) {
            put(headers, CORRELATION_ID, message.correlationId());
            put(headers, CONTENT_TYPE, message.contentType());
        }
        put(headers, ATTEMPT, Integer.toString(attempt));
        history.forEach(failure -> put(headers, FAILURE, failure(failure)));
        put(headers, DLQ_REASON, reason);
        put(headers, DLQ_AT, Long.toString(at.toEpochMilli()));
        putSource(headers, source);
        return headers;
    }

    /** Reads any record as a message; never fails (a malformed {@code hqm-*} value falls back to its default). */
    static Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        byte[] body = record.value() == null ? new byte[0] : record.value();
        Map<String, String> hqm = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> attributes = new LinkedHashMap<>();
        List<AttemptFailure> history = new ArrayList<>();
        for (Header header : record.headers()) {
            String key = header.key();
            String value = header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
            if (key.startsWith(HEADER)) {
                headers.put(key.substring(HEADER.length()).toLowerCase(Locale.ROOT), value);
            } else if (key.startsWith(ATTRIBUTE)) {
                attributes.put(key.substring(ATTRIBUTE.length()), value);
            } else if (key.equals(FAILURE)) {
                AttemptFailure failure = parseFailure(value);
                if (failure != null) {
                    history.add(failure);
                }
            } else if (key.startsWith(PREFIX)) {
                hqm.put(key, value);
            } else {
                headers.put(key.toLowerCase(Locale.ROOT), value);
            }
        }
        String correlationId = hqm.get(CORRELATION_ID);
        String contentType = hqm.get(CONTENT_TYPE);
        if (correlationId == null || correlationId.isBlank()) {
            correlationId = record.topic() + "-" + record.partition() + "-" + record.offset();
        }
        if (contentType == null || contentType.isBlank()) {
            contentType = isJson(body) ? JSON : OCTETS;
        }
        long submitted = number(hqm.get(SUBMITTED_AT), record.timestamp() >= 0 ? record.timestamp()
                : System.currentTimeMillis());
        int priority = (int) Math.max(MessageMetadata.MIN_PRIORITY,
                Math.min(MessageMetadata.MAX_PRIORITY, number(hqm.get(PRIORITY), 0)));
        long timeoutMs = number(hqm.get(TIMEOUT_MS), -1);
        String partitionKey = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        MessageMetadata metadata = new MessageMetadata(hqm.get(ENDPOINT), hqm.get(METHOD), hqm.get(PATH),
                hqm.get(QUERY), priority, timeoutMs > 0 ? Duration.ofMillis(timeoutMs) : null,
                Instant.ofEpochMilli(submitted), partitionKey, hqm.get(IDEMPOTENCY_KEY), hqm.get(OWNER), attributes);
        Message message = new Message(correlationId, body, contentType, headers, metadata);
        int attempt = (int) Math.max(1, number(hqm.get(ATTEMPT), 1));
        String sourceTopic = hqm.get(SOURCE_TOPIC);
        Source source = sourceTopic == null ? new Source(record.topic(), record.partition(), record.offset())
                : new Source(sourceTopic, (int) number(hqm.get(SOURCE_PARTITION), -1),
                        number(hqm.get(SOURCE_OFFSET), -1));
        return new Decoded(message, attempt, history, number(hqm.get(DUE_AT), 0), source);
    }

    /** Whether {@code bytes} hold one JSON value and nothing else. */
    static boolean isJson(byte[] bytes) {
        if (bytes.length == 0) {
            return false;
        }
        try (JsonParser parser = JSON_FACTORY.createParser(bytes)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    static String failure(AttemptFailure failure) {
        return failure.attempt() + " " + failure.at().toEpochMilli() + " " + failure.error();
    }

    static AttemptFailure parseFailure(String value) {
        String[] parts = value.split(" ", 3);
        try {
            return new AttemptFailure(Integer.parseInt(parts[0]), Instant.ofEpochMilli(Long.parseLong(parts[1])),
                    parts.length > 2 ? parts[2] : "");
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The UTF-8 value of the last header {@code key}, or {@code null}. */
    static String header(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void putSource(Headers headers, Source source) {
        put(headers, SOURCE_TOPIC, source.topic());
        put(headers, SOURCE_PARTITION, Integer.toString(source.partition()));
        put(headers, SOURCE_OFFSET, Long.toString(source.offset()));
    }

    private static void put(Headers headers, String key, String value) {
        if (value != null) {
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static long number(String value, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
