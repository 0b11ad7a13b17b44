package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.openhqm.server.ingress.Submission;
import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API: submit, status and response. Handlers never block an IO thread: the body is read
 * asynchronously within the {@link BodyBudget}, a large body is parsed on another thread, the core answers with
 * a stage, and the response is written back on the exchange's IO thread. Waiting requests are answered early
 * when the listener closes ({@link PendingWaits}).
 */
final class ApiHandlers {
    private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d+)",
            Pattern.CASE_INSENSITIVE);
    /** Bodies above this are parsed off the IO thread, which serves many connections. */
    static final int PARSE_ON_IO_THREAD_BYTES = 64 * 1024;

    private final Submissions submissions;
    private final SubmitRequestParser parser;
    private final ApiKeys apiKeys;
    private final BodyReceiver bodies;
    private final Duration maxWait;
    private final Executor parsing;
    private final PendingWaits waits;

    ApiHandlers(Submissions submissions, SubmitRequestParser parser, ApiKeys apiKeys, BodyReceiver bodies,
                Duration maxWait, Executor parsing, PendingWaits waits) {
        this.submissions = submissions;
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.bodies = bodies;
        this.maxWait = maxWait;
        this.parsing = parsing;
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
            if (bodies.refuseDeclaredTooLarge(exchange)) {
                return;
            }
            Duration wait;
            try {
                wait = preferWait(exchange.getRequestHeaders().getFirst("Prefer"));
            } catch (NumberFormatException e) {
                Problem.badRequest("Prefer: wait=N needs a whole number of seconds.").send(exchange);
                return;
            }
            bodies.receive(exchange, body -> exchange.dispatch(
                    body.size() > PARSE_ON_IO_THREAD_BYTES ? parsing : SameThreadExecutor.INSTANCE,
                    () -> accept(exchange, body, caller, wait)));
        };
    }

    private void accept(HttpServerExchange exchange, ReceivedBody body, ApiKeys.Caller caller, Duration wait) {
        Submission submission;
        try {
            submission = parser.parse(exchange, body.bytes(), caller);
        } catch (InvalidRequest e) {
            body.release();
            Answers.onIoThread(exchange, () -> e.problem.send(exchange));
            return;
        } catch (RuntimeException e) {
            body.release();
            Answers.onIoThread(exchange, () -> Answers.internalError(exchange, e));
            return;
        }
        CompletionStage<Accepted> submitted;
        try {
            submitted = submissions.submit(submission);
        } catch (RuntimeException e) {
            submitted = CompletableFuture.failedFuture(e);
        }
        submitted.whenComplete((accepted, failure) -> body.release());
        Answers.whenDone(exchange, submitted, (ex, accepted) -> {
            if (wait.isZero() || accepted.record().status().isTerminal()) {
                answerAccepted(ex, accepted, accepted.record());
                return;
            }
            String id = accepted.record().correlationId();
            Answers.whenDone(ex, waits.terminalOrClosing(submissions, id, caller.owner(), wait),
                    (e2, latest) -> answerAccepted(e2, accepted, latest.orElse(accepted.record())));
        });
    }

    private void answerAccepted(HttpServerExchange exchange, Accepted accepted, RequestRecord latest) {
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

    private Duration preferWait(String prefer) {
        if (prefer == null) {
            return Duration.ZERO;
        }
        Matcher matcher = PREFER_WAIT.matcher(prefer);
        if (!matcher.find()) {
            return Duration.ZERO;
        }
        long seconds = Long.parseLong(matcher.group(1));
        return Duration.ofSeconds(Math.min(seconds, maxWait.toSeconds()));
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
