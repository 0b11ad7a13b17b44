package io.openhqm.server.http;

import io.openhqm.server.ingress.Submission;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns any request of the transparent proxy into a {@link Submission}, as it came: method, raw path and query,
 * body bytes with their content type, and the request headers minus hop-by-hop ones, {@code Prefer} (it was
 * meant for this server) and the header that carried the caller's OpenHQM API key. When
 * {@code proxy.forward_headers} lists names, only those are carried ({@code "*"} = all); {@code traceparent} and
 * {@code tracestate} always are.
 */
final class ProxiedRequestParser {
    static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    private final Set<String> forwardHeaders;
    private final boolean allHeaders;

    ProxiedRequestParser(List<String> forwardHeaders) {
        this.forwardHeaders = Set.copyOf(forwardHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
        this.allHeaders = this.forwardHeaders.isEmpty() || this.forwardHeaders.contains("*");
    }

    Submission parse(HttpServerExchange exchange, byte[] body, ApiKeys.Caller caller) throws InvalidRequest {
        String method = exchange.getRequestMethod().toString();
        String path = rawPath(exchange);
        String query = exchange.getQueryString().isEmpty() ? null : exchange.getQueryString();
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType == null || contentType.isBlank()) {
            contentType = DEFAULT_CONTENT_TYPE;
        }
        String requestedId = SubmissionHeaders.requestedId(exchange);
        String idempotencyKey = SubmissionHeaders.idempotencyKey(exchange);
        String partitionKey = SubmissionHeaders.partitionKey(exchange);
        String fingerprint = idempotencyKey == null ? null : fingerprint(method, path, query, contentType, body);
        return new Submission(body, contentType, carried(exchange, caller.credentialHeader()), null, method, path,
                query, 0, null, partitionKey, requestedId, idempotencyKey, caller.owner(), fingerprint, Map.of());
    }

    /** The path as the client sent it (not decoded), without the scheme and host of an absolute-form target. */
    static String rawPath(HttpServerExchange exchange) {
        String uri = exchange.getRequestURI();
        if (exchange.isHostIncludedInRequestURI()) {
            int scheme = uri.indexOf("://");
            int slash = scheme < 0 ? -1 : uri.indexOf('/', scheme + 3);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        return uri.isEmpty() ? "/" : uri;
    }

    private Map<String, String> carried(HttpServerExchange exchange, String credentialHeader) {
        Set<String> connectionNamed = HopByHopHeaders.namedByConnection(exchange.getRequestHeaders());
        Map<String, String> headers = new HashMap<>();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString().toLowerCase(Locale.ROOT);
            boolean wanted = allHeaders || forwardHeaders.contains(name) || SubmissionHeaders.TRACE_CONTEXT.contains(name);
            if (wanted && !HopByHopHeaders.contains(name) && !connectionNamed.contains(name)
                    && !name.equals("prefer") && !name.equals(credentialHeader)) {
                headers.put(name, String.join(name.equals("cookie") ? "; " : ", ", values));
            }
        }
        return headers;
    }

    /** A digest of what the request asks for, to tell an idempotent replay from a reused key. */
    private static String fingerprint(String method, String path, String query, String contentType, byte[] body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            String head = method + ' ' + path + (query == null ? "" : "?" + query) + '\n' + contentType + '\n';
            digest.update(head.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
