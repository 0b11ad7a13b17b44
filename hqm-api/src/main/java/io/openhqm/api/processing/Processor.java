package io.openhqm.api.processing;

import io.openhqm.api.message.Message;

/**
 * Custom processing of a message (the HTTP → Queue pattern): your business logic.
 *
 * <p>Called concurrently by up to {@code worker.count} worker threads (virtual threads), so
 * implementations must be thread-safe; blocking I/O is fine. A message may be delivered more than once
 * (at-least-once), so processing should be idempotent. The engine interrupts the thread when
 * {@link Attempt#deadline()} passes.
 *
 * <p>Return an {@link Outcome}; an exception thrown is treated as {@link Outcome.Retry} when it is an
 * {@link io.openhqm.api.HqmException} of kind TRANSIENT and as {@link Outcome.Failed} otherwise.
 */
public interface Processor extends AutoCloseable {

    Outcome process(Message message, Attempt attempt) throws Exception;

    /** Releases resources; called once at shutdown after the last {@link #process} returned. */
    @Override
    default void close() {
    }
}
