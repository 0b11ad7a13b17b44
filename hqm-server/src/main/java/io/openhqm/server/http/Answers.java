package io.openhqm.server.http;

import io.openhqm.server.ingress.SubmissionRejected;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answering an exchange when a stage completes, on the exchange's IO thread and without blocking it, and the
 * problems a failed stage is answered with.
 */
final class Answers {
    private static final Logger LOG = LoggerFactory.getLogger(Answers.class);

    private Answers() {
    }

    /** Runs {@code then} on the exchange's IO thread when {@code stage} completes; failures become problems. */
    static <T> void whenDone(HttpServerExchange exchange, CompletionStage<T> stage,
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

    static void onIoThread(HttpServerExchange exchange, Runnable task) {
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

    /** A refused submission as its problem (429 and 503 with {@code Retry-After}); anything else as 503. */
    static void failed(HttpServerExchange exchange, Throwable failure) {
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
}
