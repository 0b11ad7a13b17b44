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
 */
public sealed interface Outcome {

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
     * @param error what went wrong
     * @param reply what the backend answered, if anything (e.g. a 400 body), or {@code null}
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
