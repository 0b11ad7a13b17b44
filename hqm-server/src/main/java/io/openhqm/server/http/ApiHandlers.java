package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatch;
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;

/**
 * The HTTP API: submit (through {@link SubmitAndWait}), status and response. Handlers never block an IO thread:
 * the body is read asynchronously within the {@link BodyBudget}, a large body is parsed on another thread, the
 * core answers with a stage, and the response is written back on the exchange's IO thread. Waiting requests are
 * answered early when the listener closes ({@link PendingWaits}).
 */
final class ApiHandlers {
    private final Submissions submissions;
    private final SubmitRequestParser parser;
    private final ApiKeys apiKeys;
    private final SubmitAndWait flow;
    private final Duration maxWait;
    private final PendingWaits waits;

    ApiHandlers(Submissions submissions, SubmitRequestParser parser, ApiKeys apiKeys, SubmitAndWait flow,
                Duration maxWait, PendingWaits waits) {
        this.submissions = submissions;
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.flow = flow;
        this.maxWait = maxWait;
        this.waits = waits;
    }

    HttpHandler submit() {
        return exchange -> {
            ApiKeys.Caller caller = apiKeys.authenticate(exchange);
            if (caller == null) {
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
            if (contentType != null && !Views.isJson(contentType)) {
                Problem.of(415, "unsupported-media-type", "Unsupported media type",
                        "Send the submission as application/json, not " + contentType + ".").send(exchange);
                return;
            }
            Duration asked = Preferences.of(exchange).wait(maxWait);
            flow.run(exchange, (ex, body) -> parser.parse(ex, body, caller), caller.owner(),
                    asked == null ? Duration.ZERO : asked, ApiHandlers::answerAccepted);
        };
    }

    private static void answerAccepted(HttpServerExchange exchange, Accepted accepted, RequestRecord latest) {
        String id = latest.correlationId();
        exchange.getResponseHeaders().put(Headers.LOCATION, "/api/v1/response/" + id);
        if (accepted.replayed()) {
            exchange.getResponseHeaders().put(new HttpString("Idempotent-Replayed"), "true");
        }
        if (latest.status().isTerminal()) {
            Json.send(exchange, 200, Views.response(latest));
        } else {
            exchange.setStatusCode(202);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(Views.acceptedJson(latest));
        }
    }

    HttpHandler status() {
        return exchange -> {
            ApiKeys.Caller caller = apiKeys.authenticate(exchange);
            if (caller == null) {
                return;
            }
            String id = pathId(exchange);
            Answers.whenDone(exchange, submissions.status(id, caller.owner()), (ex, record) -> {
                if (record.isEmpty()) {
                    unknown(ex, id);
                } else {
                    Json.send(ex, 200, Views.status(record.get()));
                }
            });
        };
    }

    HttpHandler response() {
        return exchange -> {
            ApiKeys.Caller caller = apiKeys.authenticate(exchange);
            if (caller == null) {
                return;
            }
            String id = pathId(exchange);
            Duration wait;
            try {
                wait = queryWait(exchange);
            } catch (IllegalArgumentException e) {
                Problem.invalid("wait", "wait must be a whole number of seconds from 0 to " + maxWait.toSeconds()
                        + ".").send(exchange);
                return;
            }
            Answers.whenDone(exchange, waits.terminalOrClosing(submissions, id, caller.owner(), wait), (ex, record) -> {
                if (record.isEmpty()) {
                    unknown(ex, id);
                } else {
                    RequestRecord latest = record.get();
                    if (!latest.status().isTerminal()) {
                        ex.getResponseHeaders().put(Headers.LOCATION, "/api/v1/response/" + id);
                    }
                    Json.send(ex, latest.status().isTerminal() ? 200 : 202, Views.response(latest));
                }
            });
        };
    }

    private static void unknown(HttpServerExchange exchange, String id) {
        Problem.notFound("No request with correlation id " + id + " (unknown or expired).").send(exchange);
    }

    private static String pathId(HttpServerExchange exchange) {
        return exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("id");
    }

    private Duration queryWait(HttpServerExchange exchange) {
        Deque<String> values = exchange.getQueryParameters().get("wait");
        if (values == null || values.isEmpty()) {
            return Duration.ZERO;
        }
        long seconds;
        try {
            seconds = Long.parseLong(values.getFirst().trim().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(e);
        }
        if (seconds < 0 || seconds > maxWait.toSeconds()) {
            throw new IllegalArgumentException("out of range");
        }
        return Duration.ofSeconds(seconds);
    }

}
