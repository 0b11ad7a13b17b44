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
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: submit, status and response. Handlers never block an IO thread: the body is read
 * asynchronously within the {@link BodyBudget}, a large body is parsed on another thread, the core answers with
 * a stage, and the response is written back on the exchange's IO thread. Waiting requests are answered early
 * when the listener closes ({@link PendingWaits}).
 */
final class ApiHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandlers.class);
    private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d+)",
            Pattern.CASE_INSENSITIVE);
    /** Bodies above this are parsed off the IO thread, which serves many connections. */
    static final int PARSE_ON_IO_THREAD_BYTES = 64 * 1024;

    private final Submissions submissions;
    private final SubmitRequestParser parser;
    private final ApiKeys apiKeys;
    private final long maxBodyBytes;
    private final Duration maxWait;
    private final BodyBudget bodies;
    private final Executor parsing;
    private final PendingWaits waits;

    ApiHandlers(Submissions submissions, SubmitRequestParser parser, ApiKeys apiKeys, long maxBodyBytes,
                Duration maxWait, BodyBudget bodies, Executor parsing, PendingWaits waits) {
        this.submissions = submissions;
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.maxBodyBytes = maxBodyBytes;
        this.maxWait = maxWait;
        this.bodies = bodies;
        this.parsing = parsing;
        this.waits = waits;
    }

    HttpHandler submit() {
        return exchange -> {
            ApiKeys.Caller caller = authenticate(exchange);
            if (caller == null) {
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
            receiveBody(exchange, body -> exchange.dispatch(
                    body.size() > PARSE_ON_IO_THREAD_BYTES ? parsing : SameThreadExecutor.INSTANCE,
                    () -> accept(exchange, body, caller, wait)));
        };
    }

    /**
     * Reads the body without blocking, counting as it goes; {@code then} runs inside Undertow's callback, so it
     * must dispatch to keep the exchange open. Counting means a chunked body over the limit gets a 413 answer
     * (Undertow's own entity limit would only drop the connection), and a body beyond the listener's budget a
     * 503. Memory follows the bytes received, not the declared length.
     */
    private void receiveBody(HttpServerExchange exchange, Consumer<ReceivedBody> then) {
        ReceivedBody body = new ReceivedBody(bodies);
        exchange.addExchangeCompleteListener((ex, next) -> {
            body.release();
            next.proceed();
        });
        exchange.getRequestReceiver().receivePartialBytes((ex, chunk, last) -> {
            if (body.size() + (long) chunk.length > maxBodyBytes) {
                ex.getRequestReceiver().pause();
                tooLarge(ex);
                return;
            }
            if (!body.add(chunk)) {
                ex.getRequestReceiver().pause();
                overloaded(ex);
                return;
            }
            if (last) {
                then.accept(body);
            }
        }, (ex, error) -> {
            if (error instanceof RequestTooBigException) {
                tooLarge(ex);
            } else {
                ex.endExchange();
            }
        });
    }

    private void accept(HttpServerExchange exchange, ReceivedBody body, ApiKeys.Caller caller, Duration wait) {
        Submission submission;
        try {
            submission = parser.parse(exchange, body.bytes(), caller);
        } catch (SubmitRequestParser.Invalid e) {
            body.release();
            onIoThread(exchange, () -> e.problem.send(exchange));
            return;
        } catch (RuntimeException e) {
            body.release();
            onIoThread(exchange, () -> internalError(exchange, e));
            return;
        }
        CompletionStage<Accepted> submitted;
        try {
            submitted = submissions.submit(submission);
        } catch (RuntimeException e) {
            submitted = CompletableFuture.failedFuture(e);
        }
        submitted.whenComplete((accepted, failure) -> body.release());
        whenDone(exchange, submitted, (ex, accepted) -> {
            if (wait.isZero() || accepted.record().status().isTerminal()) {
                answerAccepted(ex, accepted, accepted.record());
                return;
            }
            String id = accepted.record().correlationId();
            whenDone(ex, awaitOrClosing(id, caller.owner(), wait),
                    (e2, latest) -> answerAccepted(e2, accepted, latest.orElse(accepted.record())));
        });
    }

    private CompletionStage<Optional<RequestRecord>> awaitOrClosing(String id, String owner, Duration wait) {
        if (wait.isZero()) {
            return submissions.status(id, owner);
        }
        return waits.untilClosing(submissions.awaitTerminal(id, owner, wait), () -> submissions.status(id, owner));
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
            ApiKeys.Caller caller = authenticate(exchange);
            if (caller == null) {
                return;
            }
            String id = pathId(exchange);
            whenDone(exchange, submissions.status(id, caller.owner()), (ex, record) -> {
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
            ApiKeys.Caller caller = authenticate(exchange);
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
            whenDone(exchange, awaitOrClosing(id, caller.owner(), wait), (ex, record) -> {
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

    /** Runs {@code then} on the exchange's IO thread when {@code stage} completes; failures become problems. */
    private static <T> void whenDone(HttpServerExchange exchange, CompletionStage<T> stage,
                                     BiConsumer<HttpServerExchange, T> then) {
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> stage.whenComplete((value, failure) ->
                onIoThread(exchange, () -> {
                    if (failure == null) {
                        then.accept(exchange, value);
                    } else {
                        failed(exchange, failure);
                    }
                })));
    }

    private static void onIoThread(HttpServerExchange exchange, Runnable task) {
        try {
            exchange.getIoThread().execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    internalError(exchange, e);
                }
            });
        } catch (RejectedExecutionException stopped) {
            LOG.debug("{} {}: the listener stopped before the answer could be written", exchange.getRequestMethod(),
                    exchange.getRequestPath());
        }
    }

    static void internalError(HttpServerExchange exchange, Throwable error) {
        LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), error);
        Problem.of(500, "internal", "Internal error", "The server could not answer this request; the error is"
                + " logged.").send(exchange);
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
            unavailable("The result store", cause.toString()).send(exchange, Map.of("Retry-After", "1"));
        }
    }

    /** What failed stays in the log: it can name hosts, paths and driver errors. */
    private static Problem unavailable(String what, String why) {
        LOG.warn("{} is unavailable: {}", what.toLowerCase(Locale.ROOT), why);
        return Problem.of(503, "unavailable", "Service unavailable", what + " is unavailable. Retry later.");
    }

    private ApiKeys.Caller authenticate(HttpServerExchange exchange) {
        try {
            return apiKeys.caller(exchange);
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

    private void overloaded(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Problem.of(503, "overloaded", "Too many bodies in flight", "The server is receiving "
                + "server.max_body_bytes_in_flight (" + bodies.limit() + " bytes) of request bodies already."
                + " Retry later.").send(exchange, Map.of("Retry-After", "1"));
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
