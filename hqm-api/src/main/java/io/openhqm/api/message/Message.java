package io.openhqm.api.message;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * One unit of work travelling through a queue: an opaque body with its content type, the forwarded
 * headers, and OpenHQM's metadata. Immutable; the body array must not be modified by anyone.
 *
 * @param correlationId the id clients use to poll status and result; unique per submission
 * @param body          the payload bytes (for a JSON submission, the JSON text of {@code payload})
 * @param contentType   the media type of {@code body}, e.g. {@code application/json}
 * @param headers       forwarded request headers (names lower-case, already filtered by
 *                      {@code proxy.forward_headers}) plus headers given in the submission
 * @param metadata      routing and processing hints
 */
public record Message(String correlationId, byte[] body, String contentType, Map<String, String> headers,
                      MessageMetadata metadata) {

    public Message {
        Objects.requireNonNull(correlationId, "correlationId is null");
        Objects.requireNonNull(body, "body is null");
        Objects.requireNonNull(contentType, "contentType is null");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(metadata, "metadata is null");
    }

    /** The body decoded as UTF-8. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && correlationId.equals(m.correlationId)
                && java.util.Arrays.equals(body, m.body) && contentType.equals(m.contentType)
                && headers.equals(m.headers) && metadata.equals(m.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(correlationId, java.util.Arrays.hashCode(body), contentType, headers, metadata);
    }

    @Override
    public String toString() {
        return "Message[" + correlationId + ", " + body.length + " bytes " + contentType + "]";
    }
}
