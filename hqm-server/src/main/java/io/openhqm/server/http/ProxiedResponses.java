package io.openhqm.server.http;

import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The answers of the transparent proxy. A terminal record is answered as the backend answered: the stored reply's
 * status (200 for a reply without one, 502 for a FAILED one without one), headers and body byte for byte; FAILED
 * without a reply is 502 and TIMEOUT 504, as problems. A record that is not terminal yet is answered 202 with
 * where to poll. Every answer carries {@code X-Correlation-ID}, and {@code Preference-Applied} when given.
 */
final class ProxiedResponses {
    /** Set by this server, never copied from a stored reply. */
    private static final Set<String> OWN_HEADERS = Set.of("content-type", "x-correlation-id", "preference-applied",
            "idempotent-replayed");

    private ProxiedResponses() {
    }

    /**
     * Answers with {@code latest}: the backend's response when terminal, else 202.
     *
     * @param preferenceApplied the value of {@code Preference-Applied}, or {@code null}
     */
    static void send(HttpServerExchange exchange, RequestRecord latest, boolean replayed, String preferenceApplied) {
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(new HttpString("X-Correlation-ID"), latest.correlationId());
        if (replayed) {
            headers.put(new HttpString("Idempotent-Replayed"), "true");
        }
        if (preferenceApplied != null) {
            headers.put(new HttpString("Preference-Applied"), preferenceApplied);
        }
        Reply reply = latest.reply();
        if (!latest.status().isTerminal()) {
            accepted(exchange, latest);
        } else if (reply != null) {
            backend(exchange, reply, latest.status());
        } else if (latest.status() == Status.COMPLETED) {
            backend(exchange, Reply.of(new byte[0], ProxiedRequestParser.DEFAULT_CONTENT_TYPE), latest.status());
        } else if (latest.status() == Status.TIMEOUT) {
            Problem.of(504, "gateway-timeout", "Gateway timeout", detail(latest,
                    "The request was not processed within its timeout.")).send(exchange);
        } else {
            Problem.of(502, "bad-gateway", "Bad gateway", detail(latest,
                    "The request failed before the backend answered.")).send(exchange);
        }
    }

    private static void accepted(HttpServerExchange exchange, RequestRecord latest) {
        exchange.setStatusCode(202);
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(Headers.LOCATION, "/api/v1/response/" + latest.correlationId());
        headers.put(Headers.RETRY_AFTER, "1");
        headers.put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(Views.acceptedJson(latest));
    }

    private static void backend(HttpServerExchange exchange, Reply reply, Status status) {
        int code = reply.statusCode() != null ? reply.statusCode() : status == Status.FAILED ? 502 : 200;
        if (code < 200 || code > 599) {
            Problem.of(502, "bad-gateway", "Bad gateway", "The backend answered with status " + code
                    + ", which is not a final HTTP status.").send(exchange);
            return;
        }
        exchange.setStatusCode(code);
        HeaderMap headers = exchange.getResponseHeaders();
        Set<String> connectionNamed = connectionNamed(reply.headers());
        reply.headers().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HopByHopHeaders.contains(lower) && !connectionNamed.contains(lower) && !OWN_HEADERS.contains(lower)) {
                HttpString header = new HttpString(lower);
                // Several values of one header (Set-Cookie) are stored one a line; a line break never reaches the
                // wire inside a value.
                for (String line : value.split("\n")) {
                    headers.add(header, line.replace("\r", ""));
                }
            }
        });
        if (!reply.contentType().isEmpty()) {
            headers.put(Headers.CONTENT_TYPE, reply.contentType());
        }
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(ByteBuffer.wrap(reply.body()));
        }
    }

    private static Set<String> connectionNamed(Map<String, String> replyHeaders) {
        Set<String> named = new HashSet<>();
        replyHeaders.forEach((name, value) -> {
            if (name.equalsIgnoreCase("connection")) {
                for (String token : value.split("[,\n]")) {
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        });
        return named;
    }

    private static String detail(RequestRecord record, String otherwise) {
        return record.error() == null || record.error().isBlank() ? otherwise : record.error();
    }
}
