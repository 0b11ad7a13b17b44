package io.openhqm.api.processing;

import io.openhqm.api.message.Message;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Processes several messages in one call, for work that gains from it (bulk writes, ETL). The engine calls it
     * instead of {@link #process} when {@code worker.batch_size} is above 1: it collects up to that many
     * messages for at most {@code worker.batch_wait} and hands them over together.
     *
     * <p>Return one outcome per item, in the order of {@code items}: each message is stored and settled by its
     * own outcome, so a partial failure retries or dead-letters only the messages that failed. A thrown exception
     * is the outcome of every item (classified as for {@link #process}). The engine interrupts the call when the
     * earliest {@link Attempt#deadline()} of the batch passes: the messages past their deadline end TIMEOUT, the
     * others are retried. The default calls {@link #process} for each item in turn. (SPI 1.1)
     */
    default List<Outcome> processBatch(List<BatchItem> items) throws Exception {
        List<Outcome> outcomes = new ArrayList<>(items.size());
        for (BatchItem item : items) {
            outcomes.add(process(item.message(), item.attempt()));
        }
        return outcomes;
    }

    /** Releases resources; called once at shutdown after the last {@link #process} returned. */
    @Override
    default void close() {
    }
}
