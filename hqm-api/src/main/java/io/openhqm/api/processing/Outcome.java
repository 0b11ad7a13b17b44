package io.openhqm.api.processing;

import io.openhqm.api.result.Reply;
import java.time.Duration;
import java.util.Objects;

/**
 * What one attempt at processing a message came to. The engine stores it, then settles the delivery:
 * <ul>
 *   <li>{@link Completed}: status COMPLETED, acknowledged;</li>
 *   <li>{@link Retry}: retried with backoff (at least {@code after} if given) until {@code worker.max_retries},
 *       then dead-lettered with status FAILED;</li>
 *   <li>{@link Failed}: status FAILED at once and dead-lettered;</li>
 *   <li>{@link Deferred}: handed back for {@code after} without counting an attempt (e.g. circuit open).</li>
 * </ul>
 * The static factories read in one order (what happened, then when to try again) and are the short way to
 * build them: {@code return Outcome.completed(Reply.json("{\"ok\":true}"));}, {@code Outcome.failed("bad input")},
 * {@code Outcome.retry("backend busy", Duration.ofSeconds(5))}, {@code Outcome.deferred("circuit open",
 * Duration.ofSeconds(10))}.
 */
public sealed interface Outcome {

    /** {@link Completed} with {@code reply}. */
    static Outcome completed(Reply reply) {
        return new Completed(reply);
    }

    /** {@link Failed} with no reply. */
    static Outcome failed(String error) {
        return new Failed(error, null);
    }

    /** {@link Failed} with what the backend answered. */
    static Outcome failed(String error, Reply reply) {
        return new Failed(error, reply);
    }

    /** {@link Retry} after the engine's backoff. */
    static Outcome retry(String error) {
        return new Retry(error, null);
    }

    /** {@link Retry} after at least {@code after} (e.g. a backend's {@code Retry-After}). */
    static Outcome retry(String error, Duration after) {
        return new Retry(error, after);
    }

    /** {@link Deferred}: not attempted now, for {@code reason}; again after {@code after}. */
    static Outcome deferred(String reason, Duration after) {
        return new Deferred(after, reason);
    }

    /** Processing succeeded with {@code reply}. */
    record Completed(Reply reply) implements Outcome {
        public Completed {
            Objects.requireNonNull(reply, "reply is null");
        }
    }

    /**
     * A failure that may pass: retry later.
     *
     * @param error what went wrong
     * @param after the least delay before the next attempt (e.g. from {@code Retry-After}), or {@code null}
     *              for the engine's backoff
     */
    record Retry(String error, Duration after) implements Outcome {
        public Retry {
            Objects.requireNonNull(error, "error is null");
        }
    }

    /**
     * A failure that will not pass by retrying.
     *
     * @param error what went wrong: stored with the FAILED record, returned as {@code error} by the status and
     *              response APIs, and the dead letter's reason
     * @param reply what the backend answered, if anything (e.g. a 400 body), or {@code null}; returned as
     *              {@code result} (with {@code status_code} and {@code headers}) by {@code GET /api/v1/response/{id}}
     */
    record Failed(String error, Reply reply) implements Outcome {
        public Failed {
            Objects.requireNonNull(error, "error is null");
        }
    }

    /**
     * Not attempted now; try again after {@code after} without counting an attempt.
     *
     * @param after  how long to wait
     * @param reason why, for logs
     */
    record Deferred(Duration after, String reason) implements Outcome {
        public Deferred {
            Objects.requireNonNull(after, "after is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }
}
