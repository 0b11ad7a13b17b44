package io.openhqm.api.result;

import java.nio.charset.StandardCharsets;
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
 * @param statusCode  the backend's HTTP status code, or {@code null} when there was no HTTP call (a processor's
 *                    reply; {@link #of}, {@link #json(String)} and {@link #text} leave it {@code null})
 */
public record Reply(byte[] body, String contentType, Map<String, String> headers, Integer statusCode) {
    public Reply {
        Objects.requireNonNull(body, "body is null");
        Objects.requireNonNull(contentType, "contentType is null");
        headers = Map.copyOf(headers);
    }

    /** A reply of {@code body} with {@code contentType}, no headers and no HTTP status (as a processor's is). */
    public static Reply of(byte[] body, String contentType) {
        return new Reply(body, contentType, Map.of(), null);
    }

    /** A JSON reply; {@code body} must be the JSON text. */
    public static Reply json(byte[] body) {
        return of(body, "application/json");
    }

    /** A JSON reply; {@code json} must be JSON text, e.g. {@code "{\"total\": 3}"}. */
    public static Reply json(String json) {
        return json(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code text/plain; charset=utf-8} reply. */
    public static Reply text(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
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
