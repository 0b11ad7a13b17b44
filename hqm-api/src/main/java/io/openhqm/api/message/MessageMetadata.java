package io.openhqm.api.message;

import java.time.Duration;
import java.time.Instant;
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
 */
public record MessageMetadata(String endpoint, String method, String path, String query, int priority,
                              Duration timeout, Instant submittedAt, String partitionKey,
                              String idempotencyKey) {

    public static final int MIN_PRIORITY = 0;
    public static final int MAX_PRIORITY = 9;

    public MessageMetadata {
        Objects.requireNonNull(submittedAt, "submittedAt is null");
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0-9, was " + priority);
        }
    }

    /** Metadata with nothing but the submission time, as for a message from an external producer. */
    public static MessageMetadata defaults(Instant submittedAt) {
        return new MessageMetadata(null, null, null, null, 0, null, submittedAt, null, null);
    }
}
