package io.openhqm.server.ingress;

import java.time.Duration;
import java.util.Map;

/**
 * A request to queue a message, as a driving adapter (the HTTP listener) parsed it.
 *
 * @param body           the payload bytes
 * @param contentType    their media type
 * @param headers        headers to carry with the message (already filtered; names lower-case)
 * @param endpoint       requested endpoint name, or {@code null}
 * @param method         requested HTTP method, or {@code null}
 * @param path           the request path to forward, without query (a transparent proxy's), or {@code null}
 * @param query          the raw query string to forward, without {@code ?}, or {@code null}
 * @param priority       0-9
 * @param timeout        processing timeout, or {@code null} for the default
 * @param partitionKey   the key whose messages a queue with ordering keeps in order, or {@code null}
 * @param requestedId    a client-chosen correlation id ({@code X-Correlation-ID}), or {@code null}
 * @param idempotencyKey the {@code Idempotency-Key}, or {@code null}
 * @param owner          who submits (a digest of the API key), or {@code null}
 * @param fingerprint    a digest of the whole request, to tell idempotent replays from conflicting reuse;
 *                       {@code null} without an idempotency key
 * @param attributes     metadata fields OpenHQM does not define: name → the value's JSON text
 */
public record Submission(byte[] body, String contentType, Map<String, String> headers, String endpoint,
                         String method, String path, String query, int priority, Duration timeout,
                         String partitionKey, String requestedId, String idempotencyKey, String owner,
                         String fingerprint, Map<String, String> attributes) {
}
