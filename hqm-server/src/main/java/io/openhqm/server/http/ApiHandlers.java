package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.openhqm.server.ingress.Submission;
import io.openhqm.server.ingress.SubmissionRejected;
import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API: submit, status and response. Handlers never block an IO thread: the body is read
 * asynchronously, the core answers with a stage, and the response is written back on the exchange's IO
 * thread.
 */
final class ApiHandlers {
    private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d+)",
            Pattern.CASE_INSENSITIVE);

    private final Submissions submissions;
    private final SubmitRequestParser parser;
    private final ApiKeys apiKeys;
    private final long maxBodyBytes;
    private final Duration maxWait;

    ApiHandlers(Submissions submissions, SubmitRequestParser parser, ApiKeys apiKeys, long maxBodyBytes,
                Duration maxWait) {
        this.submissions = submissions;
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.maxBodyBytes = maxBodyBytes;
        this.maxWait = maxWait;
    }

    HttpHandler submit() {
        return exchange -> {
            String owner = authenticate(exchange);
            if (owner == null && apiKeys.enabled()) {
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
            if (contentType != null && !Views.isJson(contentType)) {
                Problem.of(415, "unsupported-media-type", "Unsupported media type",
                        "Send the submission as application/json, not " + contentType + ".").send(exchange);
                return;
            }
            if (exchange.getRequestContentLength() > maxBodyBytes) {
                tooLarge(exchange);
                return;
            }
            Duration wait;
            try {
                wait = preferWait(exchange.getRequestHeaders().getFirst("Prefer"));
            } catch (NumberFormatException e) {
                Problem.badRequest("Prefer: wait=N needs a whole number of seconds.").send(exchange);
                return;
            }
            receiveBody(exchange, body -> accept(exchange, body, owner, wait));
        };
    }

    /**
     * Reads the body without blocking, counting as it goes, so a chunked body over the limit gets a 413 answer
     * (Undertow's own entity limit would only drop the connection).
     */
    private void receiveBody(HttpServerExchange exchange, java.util.function.Consumer<byte[]> then) {
        long declared = exchange.getRequestContentLength();
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        exchange.getRequestReceiver().receivePartialBytes((ex, chunk, last) -> {
            if (body.size() + (long) chunk.length > maxBodyBytes) {
                ex.getRequestReceiver().pause();
                tooLarge(ex);
                return;
            }
            body.writeBytes(chunk);
            if (last) {
                then.accept(body.toByteArray());
            }
        }, (ex, error) -> {
            if (error instanceof RequestTooBigException) {
                tooLarge(ex);
            } else {
                ex.endExchange();
            }
        });
    }

    private void accept(HttpServerExchange exchange, byte[] body, String owner, Duration wait) {
        Submission submission;
        try {
            submission = parser.parse(exchange, body, owner);
        } catch (SubmitRequestParser.Invalid e) {
            e.problem.send(exchange);
            return;
        }
        whenDone(exchange, submissions.submit(submission), (ex, accepted) -> {
            if (wait.isZero() || accepted.record().status().isTerminal()) {
                answerAccepted(ex, accepted, accepted.record());
                return;
            }
            String id = accepted.record().correlationId();
            whenDone(ex, submissions.awaitTerminal(id, owner, wait),
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
            String owner = authenticate(exchange);
            if (owner == null && apiKeys.enabled()) {
                return;
            }
            String id = pathId(exchange);
            whenDone(exchange, submissions.status(id, owner), (ex, record) -> {
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
            String owner = authenticate(exchange);
            if (owner == null && apiKeys.enabled()) {
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
            whenDone(exchange, submissions.awaitTerminal(id, owner, wait), (ex, record) -> {
                if (record.isEmpty()) {
                    unknown(ex, id);
                } else {
                    Json.send(ex, record.get().status().isTerminal() ? 200 : 202, Views.response(record.get()));
                }
            });
        };
    }

    /** Runs {@code then} on the exchange's IO thread when {@code stage} completes; failures become problems. */
    private static <T> void whenDone(HttpServerExchange exchange, CompletionStage<T> stage,
                                     BiConsumer<HttpServerExchange, T> then) {
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> stage.whenComplete((value, failure) ->
                exchange.getIoThread().execute(() -> {
                    if (failure == null) {
                        then.accept(exchange, value);
                    } else {
                        failed(exchange, failure);
                    }
                })));
    }

    private static void failed(HttpServerExchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof SubmissionRejected rejected) {
            Problem problem = switch (rejected.reason()) {
                case INVALID -> Problem.invalid(rejected.field(), rejected.getMessage());
                case QUEUE_FULL -> Problem.of(429, "queue-full", "Queue full", rejected.getMessage());
                case ID_IN_USE -> new Problem(409, "conflict", "Correlation id in use", rejected.getMessage(),
                        "X-Correlation-ID");
                case IDEMPOTENCY_CONFLICT -> new Problem(422, "idempotency-conflict", "Idempotency key reused",
                        rejected.getMessage(), "Idempotency-Key");
                case IDEMPOTENCY_IN_PROGRESS -> new Problem(409, "idempotency-in-progress",
                        "Request in progress", rejected.getMessage(), "Idempotency-Key");
                case UNAVAILABLE -> Problem.of(503, "unavailable", "Service unavailable", rejected.getMessage());
            };
            boolean retryLater = problem.status() == 429 || problem.status() == 503
                    || rejected.reason() == SubmissionRejected.Reason.IDEMPOTENCY_IN_PROGRESS;
            problem.send(exchange, retryLater ? Map.of("Retry-After", "1") : Map.of());
        } else {
            Problem.of(503, "unavailable", "Service unavailable",
                    "The result store is unavailable: " + messageOf(cause) + ". Retry later.")
                    .send(exchange, Map.of("Retry-After", "1"));
        }
    }

    private static String messageOf(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private String authenticate(HttpServerExchange exchange) {
        try {
            return apiKeys.owner(exchange);
        } catch (SecurityException e) {
            Problem.of(401, "unauthorized", "Unauthorized", e.getMessage())
                    .send(exchange, Map.of("WWW-Authenticate", "Bearer"));
            return null;
        }
    }

    private void tooLarge(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Problem.of(413, "too-large", "Request too large", "The body is larger than server.max_body_bytes ("
                + maxBodyBytes + " bytes).").send(exchange);
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
