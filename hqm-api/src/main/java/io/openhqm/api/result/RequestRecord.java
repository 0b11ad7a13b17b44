package io.openhqm.api.result;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The stored state of one submission: its status and, once terminal, its outcome.
 *
 * @param correlationId    the submission's id
 * @param status           where it is
 * @param submittedAt      when it was accepted
 * @param updatedAt        when this record last changed
 * @param attempts         processing attempts started so far
 * @param owner            an opaque token of who submitted it (a hash of the API key), or {@code null}
 * @param reply            the result, when processing produced one (also on FAILED for a backend's 4xx)
 * @param error            why it failed or timed out, or {@code null}
 * @param processingTimeMs time spent processing the last attempt, or {@code null}
 * @param completedAt      when it reached a terminal status, or {@code null}
 * @param attributes       the message's {@link io.openhqm.api.message.MessageMetadata#attributes() attributes}
 *                         (name → JSON text), returned with the status; never {@code null} (SPI 1.1)
 * @param startedAt        when the first processing attempt started, or {@code null} before; the message's timeout
 *                         counts from it, across retries (SPI 1.1)
 */
public record RequestRecord(String correlationId, Status status, Instant submittedAt, Instant updatedAt,
                            int attempts, String owner, Reply reply, String error, Long processingTimeMs,
                            Instant completedAt, Map<String, String> attributes, Instant startedAt) {
    public RequestRecord {
        Objects.requireNonNull(correlationId, "correlationId is null");
        Objects.requireNonNull(status, "status is null");
        Objects.requireNonNull(submittedAt, "submittedAt is null");
        Objects.requireNonNull(updatedAt, "updatedAt is null");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The SPI 1.0 constructor: no attributes, start unknown. */
    public RequestRecord(String correlationId, Status status, Instant submittedAt, Instant updatedAt, int attempts,
                         String owner, Reply reply, String error, Long processingTimeMs, Instant completedAt) {
        this(correlationId, status, submittedAt, updatedAt, attempts, owner, reply, error, processingTimeMs,
                completedAt, Map.of(), null);
    }

    public static RequestRecord pending(String correlationId, Instant submittedAt, String owner) {
        return pending(correlationId, submittedAt, owner, Map.of());
    }

    public static RequestRecord pending(String correlationId, Instant submittedAt, String owner,
                                        Map<String, String> attributes) {
        return new RequestRecord(correlationId, Status.PENDING, submittedAt, submittedAt, 0, owner, null, null,
                null, null, attributes, null);
    }

    /** PROCESSING for {@code attempt}, started {@code now}; {@link #startedAt} stays that of the first attempt. */
    public RequestRecord processing(int attempt, Instant now) {
        return new RequestRecord(correlationId, Status.PROCESSING, submittedAt, now, attempt, owner, null, null,
                null, null, attributes, startedAt == null ? now : startedAt);
    }

    /** Back to PENDING after a failed attempt, waiting for its retry; {@code error} says what failed. */
    public RequestRecord waitingForRetry(String error, Instant now) {
        return new RequestRecord(correlationId, Status.PENDING, submittedAt, now, attempts, owner, null, error,
                null, null, attributes, startedAt);
    }

    public RequestRecord finished(Status terminal, Reply reply, String error, long processingTimeMs,
                                  Instant now) {
        if (!terminal.isTerminal()) {
            throw new IllegalArgumentException(terminal + " is not a terminal status");
        }
        return new RequestRecord(correlationId, terminal, submittedAt, now, attempts, owner, reply, error,
                processingTimeMs, now, attributes, startedAt);
    }
}
