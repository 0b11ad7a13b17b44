package io.openhqm.api.message;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * OpenHQM's metadata about a message. Every field but {@code submittedAt} and {@code priority} may be
 * {@code null}, meaning "use the configured default"; a message from an external producer usually has
 * none of them.
 *
 * @param endpoint       the configured egress endpoint name to forward to
 * @param method         the HTTP method to forward with
 * @param path           the request path to forward (transparent proxy), without query
 * @param query          the raw query string to forward, without {@code ?}
 * @param priority       0 (lowest) to 9; queues that support ordering deliver higher first
 * @param timeout        bound on the whole processing of this message
 * @param submittedAt    when the message was accepted
 * @param partitionKey   ordering / partitioning key for queues that have partitions
 * @param idempotencyKey the client's {@code Idempotency-Key}, if any
 * @param owner          an opaque token of who submitted the message (see
 *                       {@link io.openhqm.api.result.RequestRecord#owner()}), or {@code null}; the engine keeps it
 *                       on every record it stores for this message, so a result stays readable only by its owner.
 *                       Queues carry it unchanged. (SPI 1.1)
 * @param attributes     metadata fields OpenHQM does not define, as the client sent them: name → the value's JSON
 *                       text (e.g. {@code "\"web-app\""}, {@code 1700000000}, {@code {"a":1}}). Queues carry them
 *                       unchanged; never {@code null}. (SPI 1.1)
 */
public record MessageMetadata(String endpoint, String method, String path, String query, int priority,
                              Duration timeout, Instant submittedAt, String partitionKey,
                              String idempotencyKey, String owner, Map<String, String> attributes) {

    public static final int MIN_PRIORITY = 0;
    public static final int MAX_PRIORITY = 9;

    public MessageMetadata {
        Objects.requireNonNull(submittedAt, "submittedAt is null");
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0-9, was " + priority);
        }
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The SPI 1.0 constructor: no owner, no attributes. */
    public MessageMetadata(String endpoint, String method, String path, String query, int priority,
                           Duration timeout, Instant submittedAt, String partitionKey, String idempotencyKey) {
        this(endpoint, method, path, query, priority, timeout, submittedAt, partitionKey, idempotencyKey, null,
                Map.of());
    }

    /** Metadata with nothing but the submission time, as for a message from an external producer. */
    public static MessageMetadata defaults(Instant submittedAt) {
        return new MessageMetadata(null, null, null, null, 0, null, submittedAt, null, null);
    }
}
