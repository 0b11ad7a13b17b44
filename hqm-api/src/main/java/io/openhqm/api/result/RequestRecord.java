package io.openhqm.api.result;

import java.time.Instant;
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
 */
public record RequestRecord(String correlationId, Status status, Instant submittedAt, Instant updatedAt,
                            int attempts, String owner, Reply reply, String error, Long processingTimeMs,
                            Instant completedAt) {
    public RequestRecord {
        Objects.requireNonNull(correlationId, "correlationId is null");
        Objects.requireNonNull(status, "status is null");
        Objects.requireNonNull(submittedAt, "submittedAt is null");
        Objects.requireNonNull(updatedAt, "updatedAt is null");
    }

    public static RequestRecord pending(String correlationId, Instant submittedAt, String owner) {
        return new RequestRecord(correlationId, Status.PENDING, submittedAt, submittedAt, 0, owner, null, null,
                null, null);
    }

    public RequestRecord processing(int attempt, Instant now) {
        return new RequestRecord(correlationId, Status.PROCESSING, submittedAt, now, attempt, owner, null, null,
                null, null);
    }

    /** Back to PENDING after a failed attempt, waiting for its retry; {@code error} says what failed. */
    public RequestRecord waitingForRetry(String error, Instant now) {
        return new RequestRecord(correlationId, Status.PENDING, submittedAt, now, attempts, owner, null, error,
                null, null);
    }

    public RequestRecord finished(Status terminal, Reply reply, String error, long processingTimeMs,
                                  Instant now) {
        if (!terminal.isTerminal()) {
            throw new IllegalArgumentException(terminal + " is not a terminal status");
        }
        return new RequestRecord(correlationId, terminal, submittedAt, now, attempts, owner, reply, error,
                processingTimeMs, now);
    }
}
