package io.openhqm.server.http;

import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpServerExchange;
import java.util.Set;

/**
 * The request headers that steer a submission, whatever its body: {@code X-Correlation-ID},
 * {@code Idempotency-Key} and {@code X-Partition-Key}. Each is checked here once for both ingress styles.
 */
final class SubmissionHeaders {
    /** W3C trace context: always carried, so a trace continues through the queue to the endpoint. */
    static final Set<String> TRACE_CONTEXT = Set.of("traceparent", "tracestate");
    static final int MAX_PARTITION_KEY = 256;
    private static final int MAX_IDEMPOTENCY_KEY = 255;

    private SubmissionHeaders() {
    }

    /** The client-chosen correlation id, or {@code null}. */
    static String requestedId(HttpServerExchange exchange) throws InvalidRequest {
        String id = exchange.getRequestHeaders().getFirst("X-Correlation-ID");
        if (id != null && !Submissions.isWellFormedId(id)) {
            throw new InvalidRequest(new Problem(400, "bad-request", "Bad request", "X-Correlation-ID must be 1-128"
                    + " characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit.",
                    "X-Correlation-ID"));
        }
        return id;
    }

    /** The {@code Idempotency-Key}, or {@code null}. */
    static String idempotencyKey(HttpServerExchange exchange) throws InvalidRequest {
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY)) {
            throw new InvalidRequest(new Problem(400, "bad-request", "Bad request",
                    "Idempotency-Key must be 1-" + MAX_IDEMPOTENCY_KEY + " characters.", "Idempotency-Key"));
        }
        return key;
    }

    /** The {@code X-Partition-Key}, or {@code null}. */
    static String partitionKey(HttpServerExchange exchange) throws InvalidRequest {
        String key = exchange.getRequestHeaders().getFirst("X-Partition-Key");
        if (key != null && (key.isBlank() || key.length() > MAX_PARTITION_KEY)) {
            throw new InvalidRequest(new Problem(400, "bad-request", "Bad request",
                    "X-Partition-Key must be 1-" + MAX_PARTITION_KEY + " characters.", "X-Partition-Key"));
        }
        return key;
    }
}
