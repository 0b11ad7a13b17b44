package io.openhqm.server.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem detail, written as {@code application/problem+json}. Never carries a stack trace.
 *
 * @param status HTTP status
 * @param slug   the problem type's last path segment, e.g. {@code validation}
 * @param title  a short summary of the problem type
 * @param detail what was wrong in this request and what to do
 * @param field  the offending request field, or {@code null}
 */
record Problem(int status, String slug, String title, String detail, String field) {
    static final String TYPE_BASE = "https://openhqm.io/problems/";

    /** A problem thrown to the code that answers the exchange. */
    static final class Raised extends Exception {
        private final Problem problem;

        Raised(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    static Problem of(int status, String slug, String title, String detail) {
        return new Problem(status, slug, title, detail, null);
    }

    static Problem invalid(String field, String detail) {
        return new Problem(422, "validation", "Invalid request", detail, field);
    }

    static Problem badRequest(String detail) {
        return of(400, "bad-request", "Bad request", detail);
    }

    static Problem notFound(String detail) {
        return of(404, "not-found", "Not found", detail);
    }

    Map<String, Object> body(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (field != null) {
            body.put("field", field);
            body.put("errors", java.util.List.of(Map.of("field", field, "detail", detail)));
        }
        body.put("instance", instance);
        return body;
    }

    void send(HttpServerExchange exchange) {
        send(exchange, Map.of());
    }

    void send(HttpServerExchange exchange, Map<String, String> extraHeaders) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(status);
        extraHeaders.forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/problem+json");
        exchange.getResponseSender().send(Json.bytes(body(exchange.getRequestPath())));
    }
}
