package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.openhqm.server.ingress.Submission;
import io.openhqm.server.ingress.Submissions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * What both ingress styles do with a request: receive its body ({@link BodyReceiver}), turn it into a
 * {@link Submission} (on another thread when large), submit it, and wait up to the asked time for a terminal
 * record (answered early when the listener closes, {@link PendingWaits}). Nothing blocks an IO thread; problems are
 * answered here, the outcome by the caller's {@link Answer} on the exchange's IO thread.
 */
final class SubmitAndWait {
    /** Bodies above this are parsed off the IO thread, which serves many connections. */
    static final int PARSE_ON_IO_THREAD_BYTES = 64 * 1024;

    /** Turns the request and its body into a submission. */
    interface Parser {
        Submission parse(HttpServerExchange exchange, byte[] body) throws InvalidRequest;
    }

    /** Answers an accepted submission with its latest record (terminal, or as it was when the wait ended). */
    interface Answer {
        void send(HttpServerExchange exchange, Accepted accepted, RequestRecord latest);
    }

    private final Submissions submissions;
    private final BodyReceiver bodies;
    private final Executor parsing;
    private final PendingWaits waits;

    SubmitAndWait(Submissions submissions, BodyReceiver bodies, Executor parsing, PendingWaits waits) {
        this.submissions = submissions;
        this.bodies = bodies;
        this.parsing = parsing;
        this.waits = waits;
    }

    /** Runs the whole flow for {@code exchange}; {@code owner} is the caller's, {@code wait} may be zero. */
    void run(HttpServerExchange exchange, Parser parser, String owner, Duration wait, Answer answer) {
        if (bodies.refuseDeclaredTooLarge(exchange)) {
            return;
        }
        bodies.receive(exchange, body -> exchange.dispatch(
                body.size() > PARSE_ON_IO_THREAD_BYTES ? parsing : SameThreadExecutor.INSTANCE,
                () -> submit(exchange, body, parser, owner, wait, answer)));
    }

    private void submit(HttpServerExchange exchange, ReceivedBody body, Parser parser, String owner, Duration wait,
                        Answer answer) {
        Submission submission;
        try {
            submission = parser.parse(exchange, body.bytes());
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
            RequestRecord record = accepted.record();
            if (wait.isZero() || record.status().isTerminal()) {
                answer.send(ex, accepted, record);
                return;
            }
            Answers.whenDone(ex, waits.terminalOrClosing(submissions, record.correlationId(), owner, wait),
                    (again, latest) -> answer.send(again, accepted, latest.orElse(record)));
        });
    }
}
