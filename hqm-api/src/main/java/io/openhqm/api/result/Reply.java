package io.openhqm.api.result;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What processing produced: a body with its content type, and for HTTP egress the backend's status code
 * and headers. Immutable; the body array must not be modified.
 *
 * @param body        the result bytes (may be empty)
 * @param contentType the media type of {@code body}
 * @param headers     response headers worth returning to the client (names lower-case)
 * @param statusCode  the backend's HTTP status code, or {@code null} when there was no HTTP call
 */
public record Reply(byte[] body, String contentType, Map<String, String> headers, Integer statusCode) {
    public Reply {
        Objects.requireNonNull(body, "body is null");
        Objects.requireNonNull(contentType, "contentType is null");
        headers = Map.copyOf(headers);
    }

    public static Reply json(byte[] body) {
        return new Reply(body, "application/json", Map.of(), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reply r && Arrays.equals(body, r.body) && contentType.equals(r.contentType)
                && headers.equals(r.headers) && Objects.equals(statusCode, r.statusCode);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(body), contentType, headers, statusCode);
    }

    @Override
    public String toString() {
        return "Reply[" + body.length + " bytes " + contentType + ", status " + statusCode + "]";
    }
}
