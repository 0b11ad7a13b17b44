package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.openhqm.server.ingress.Submission;
import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The transparent proxy ingress ({@code server.mode = "proxy"}): any request outside the reserved paths is queued
 * as it is and answered with the backend's response when its result is there within the wait
 * ({@code server.proxy_wait}, or RFC 7240 {@code Prefer: wait=N} up to {@code server.max_wait};
 * {@code Prefer: respond-async} waits not at all), else 202 with where to poll. The same API keys, body limits
 * and queue bound apply as to {@code POST /api/v1/submit}; like it, nothing here blocks an IO thread.
 */
final class TransparentProxy {
    private final Submissions submissions;
    private final ProxiedRequestParser parser;
    private final ApiKeys apiKeys;
    private final BodyReceiver bodies;
    private final Duration proxyWait;
    private final Duration maxWait;
    private final Executor hashing;
    private final PendingWaits waits;

    TransparentProxy(Submissions submissions, ProxiedRequestParser parser, ApiKeys apiKeys, BodyReceiver bodies,
                     Duration proxyWait, Duration maxWait, Executor hashing, PendingWaits waits) {
        this.submissions = submissions;
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.bodies = bodies;
        this.proxyWait = proxyWait;
        this.maxWait = maxWait;
        this.hashing = hashing;
        this.waits = waits;
    }

    HttpHandler handler() {
        return exchange -> {
            if (exchange.getRequestMethod().equals(Methods.CONNECT)) {
                Problem.of(501, "not-implemented", "Not Implemented", "This proxy does not tunnel (CONNECT).")
                        .send(exchange);
                return;
            }
            ApiKeys.Caller caller = apiKeys.authenticate(exchange);
            if (caller == null || bodies.refuseDeclaredTooLarge(exchange)) {
                return;
            }
            Preferences preferences = Preferences.of(exchange);
            bodies.receive(exchange, body -> exchange.dispatch(
                    body.size() > ApiHandlers.PARSE_ON_IO_THREAD_BYTES ? hashing : SameThreadExecutor.INSTANCE,
                    () -> accept(exchange, body, caller, preferences)));
        };
    }

    private void accept(HttpServerExchange exchange, ReceivedBody body, ApiKeys.Caller caller,
                        Preferences preferences) {
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
        Duration asked = preferences.wait(maxWait);
        Duration wait = asked != null ? asked : preferences.respondAsync() ? Duration.ZERO : proxyWait;
        Answers.whenDone(exchange, submitted, (ex, accepted) -> {
            RequestRecord record = accepted.record();
            if (wait.isZero() || record.status().isTerminal()) {
                answer(ex, accepted, record, preferences, asked);
                return;
            }
            Answers.whenDone(ex, waits.terminalOrClosing(submissions, record.correlationId(), caller.owner(), wait),
                    (e2, latest) -> answer(e2, accepted, latest.orElse(record), preferences, asked));
        });
    }

    /** Answers with {@code latest}; {@code Preference-Applied} names the preferences this answer honours. */
    private static void answer(HttpServerExchange exchange, Accepted accepted, RequestRecord latest,
                               Preferences preferences, Duration askedWait) {
        List<String> applied = new ArrayList<>(2);
        if (preferences.respondAsync() && !latest.status().isTerminal()) {
            applied.add("respond-async");
        }
        if (askedWait != null) {
            applied.add("wait=" + askedWait.toSeconds());
        }
        ProxiedResponses.send(exchange, latest, accepted.replayed(), applied.isEmpty() ? null
                : String.join(", ", applied));
    }
}
